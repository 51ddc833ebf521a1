/**
 * The status page's browser script, served as /status/app.js (helmet's CSP allows only same-origin
 * scripts). Plain ES2020, no framework: it polls /status.json every second and redraws. Everything
 * shown goes through textContent or SVG attributes, never innerHTML. It writes nothing to the
 * console: a failed poll shows "Disconnected" on the page instead. Over 250 lines on purpose: it is
 * one browser script, kept whole so it reads (and is served) as one.
 */
export const STATUS_SCRIPT = String.raw`"use strict";
(function () {
  var POLL_MS = 1000;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var last = null;

  function $(id) {
    return document.getElementById(id);
  }
  function setText(id, value) {
    var el = $(id);
    if (el && el.textContent !== value) el.textContent = value;
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    return node;
  }

  function int(n) {
    return Number(n).toLocaleString("en-US", { maximumFractionDigits: 0 });
  }
  function rate(n) {
    if (n >= 100) return int(n);
    return Number(n).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }
  function duration(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
    var h = Math.floor(m / 60);
    if (h < 48) return h + " h" + (m % 60 ? " " + (m % 60) + " min" : "");
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }
  function clockTime(ms) {
    return new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
  }
  function plural(n, one, many) {
    return int(n) + " " + (n === 1 ? one : many);
  }

  var HEALTH_CLASS = {
    idle: "pill-ok",
    syncing: "pill-busy",
    throttled: "pill-warn",
    attention: "pill-bad",
    stopping: "pill-unknown",
  };

  function renderHealth(s) {
    var pill = $("health");
    pill.className = "pill " + (HEALTH_CLASS[s.health.state] || "pill-unknown");
    setText("health", s.health.summary);
    setText("updated", "updated " + clockTime(Date.now()));
    setText("uptime", "up " + duration((s.now - s.startedAt) / 1000));
    // Several replicas on Redis: how many share the work now (the list itself is in status.json).
    var r = s.replicas;
    setText("replicas", r ? " · " + r.length + (r.length === 1 ? " replica" : " replicas") + " alive" : "");
    if (r) $("replicas").title = r.map(function (x) { return x.id + (x.self ? " (this one)" : ""); }).join("\n");
  }

  function renderUpstream(name, u) {
    setText(name + "-rate", rate(u.rate));
    var meter = $(name + "-meter");
    var quota = u.learnedQuota;
    meter.style.width = quota ? Math.min(100, (100 * u.rate) / quota).toFixed(1) + "%" : "0%";
    setText(name + "-quota", quota ? "learned quota " + rate(quota) + " req/s" : "quota not learned yet");
    var flow = int(u.inFlight) + " in flight (cap " + int(u.concurrency) + ") · " + int(u.waiting) + " waiting";
    if (u.pausedForSeconds > 0) flow = "paused " + u.pausedForSeconds.toFixed(1) + " s after a 429 · " + flow;
    else if (u.throttled > 0) flow += " · " + int(u.throttled) + " × 429, " + plural(u.cuts, "cut", "cuts");
    setText(name + "-flow", flow);
    $("card-" + name).classList.toggle("warn", u.pausedForSeconds > 0);
  }

  function renderQueue(q) {
    setText("queue-pending", int(q.pending));
    setText(
      "queue-oldest",
      q.oldestPendingAgeSeconds === null ? "nothing waiting" : "oldest waiting " + duration(q.oldestPendingAgeSeconds),
    );
    setText("queue-inflight", plural(q.inFlight, "user", "users") + " syncing now");
    setText("dead-letters", int(q.deadLetters));
    setText("dead-hint", q.deadLetters > 0 ? "parked after a permanent error: see /admin/dead-letters" : "none: every change went through");
    $("card-dead").classList.toggle("bad", q.deadLetters > 0);
  }

  function renderWrites(a) {
    setText("writes-total", int(a.totals.writes));
    var perMinute = Math.max(1, Math.round(60 / a.bucketSeconds));
    var recent = a.buckets.slice(-perMinute);
    var writes = 0;
    var throttled = 0;
    for (var i = 0; i < recent.length; i++) {
      writes += recent[i].writes;
      throttled += recent[i].throttled;
    }
    setText("writes-recent", int(writes) + " in the last minute · " + int(throttled) + " × 429");
    setText("throttled-total", int(a.totals.requests) + " requests, " + int(a.totals.throttled) + " × 429 since start");
  }

  // The y axis tops at 4 steps of 1, 2 or 5 × 10^k, so the labelled gridlines (0, 2, 4 steps) are whole.
  function niceMax(n) {
    var raw = Math.max(1, n / 4);
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * magnitude >= raw) return 4 * steps[i] * magnitude;
    return 40 * magnitude;
  }

  function renderChart(a, now) {
    var box = $("chart");
    var width = Math.max(320, Math.floor(box.clientWidth || 800));
    var height = 200;
    var left = 40;
    var right = 8;
    var top = 10;
    var bottom = 24;
    var plotW = width - left - right;
    var plotH = height - top - bottom;
    var buckets = a.buckets;
    var n = Math.max(1, buckets.length);
    var max = 0;
    for (var i = 0; i < buckets.length; i++) {
      max = Math.max(max, buckets[i].requests, buckets[i].writes, buckets[i].throttled);
    }
    max = niceMax(max);
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, class: "chart-svg" });

    for (var g = 0; g <= 4; g++) {
      var value = (max * g) / 4;
      var y = top + plotH - (plotH * g) / 4;
      root.appendChild(svg("line", { x1: left, x2: width - right, y1: y, y2: y, class: g === 0 ? "axis" : "grid" }));
      if (g % 2 === 0) {
        var label = svg("text", { x: left - 6, y: y + 4, class: "tick", "text-anchor": "end" });
        label.textContent = int(value);
        root.appendChild(label);
      }
    }

    var slot = plotW / n;
    var scale = function (v) {
      return (plotH * v) / max;
    };
    for (var b = 0; b < buckets.length; b++) {
      var bucket = buckets[b];
      var x = left + b * slot;
      var group = svg("g", {});
      var title = svg("title", {});
      title.textContent =
        clockTime(bucket.start) + ": " + plural(bucket.writes, "write", "writes") + ", " +
        plural(bucket.requests, "request", "requests") + ", " + int(bucket.throttled) + " × 429";
      group.appendChild(title);
      group.appendChild(svg("rect", { x: x, y: top, width: slot, height: plotH, class: "hit" }));
      var pad = slot > 6 ? slot * 0.12 : 0;
      if (bucket.requests > 0) {
        var hr = scale(bucket.requests);
        group.appendChild(svg("rect", { x: x + pad, y: top + plotH - hr, width: slot - 2 * pad, height: hr, class: "bar-requests" }));
      }
      var inner = (slot - 2 * pad) / 2;
      if (bucket.writes > 0) {
        var hw = scale(bucket.writes);
        group.appendChild(svg("rect", { x: x + pad, y: top + plotH - hw, width: inner, height: hw, class: "bar-writes" }));
      }
      if (bucket.throttled > 0) {
        var ht = Math.max(2, scale(bucket.throttled));
        group.appendChild(svg("rect", { x: x + pad + inner, y: top + plotH - ht, width: inner, height: ht, class: "bar-throttled" }));
      }
      root.appendChild(group);
    }

    var span = n * a.bucketSeconds;
    for (var t = 0; t <= 3; t++) {
      var ago = span - (span * t) / 3;
      var tx = left + (plotW * t) / 3;
      var anchor = t === 0 ? "start" : t === 3 ? "end" : "middle";
      var tick = svg("text", { x: tx, y: height - 6, class: "tick", "text-anchor": anchor });
      tick.textContent = t === 3 ? "now" : "−" + duration(ago);
      root.appendChild(tick);
    }
    box.replaceChildren(root);
    setText("chart-scale", "per " + duration(a.bucketSeconds) + " · last " + duration(span));
  }

  function humanize(key) {
    return key
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/[._-]+/g, " ")
      .toLowerCase();
  }

  function etaText(key, value) {
    if (typeof value === "number") return duration(/ms$/i.test(key) ? value / 1000 : value);
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) && !isNaN(Date.parse(value))) {
      return clockTime(Date.parse(value));
    }
    return String(value);
  }

  function fieldText(key, value) {
    if (typeof value === "number" && /seconds$/i.test(key)) return duration(value);
    if (typeof value === "number") return Number.isInteger(value) ? int(value) : rate(value);
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) && !isNaN(Date.parse(value))) {
      return new Date(Date.parse(value)).toLocaleString("en-GB", { hour12: false });
    }
    return String(value);
  }

  // Fields the summary line and the bar already show.
  var SUMMARY_FIELDS = { state: 1, phase: 1, done: 1, total: 1, fraction: 1 };

  // The reconciler's fields are rendered generically: done/total (or fraction) as a bar, phase and
  // any eta* field in the summary line, every other non-empty field in a list.
  function renderReconcile(r) {
    var active = r !== null && typeof r === "object" && Object.keys(r).length > 0 && r.state !== "idle";
    $("reconcile-idle").hidden = active;
    $("reconcile-body").hidden = !active;
    if (!active) return;
    var parts = [];
    var done = typeof r.done === "number" ? r.done : null;
    var total = typeof r.total === "number" ? r.total : null;
    var fraction = typeof r.fraction === "number" ? r.fraction : done !== null && total ? done / total : null;
    $("reconcile-bar").style.width = fraction === null ? "0%" : (100 * Math.min(1, Math.max(0, fraction))).toFixed(1) + "%";
    if (typeof r.state === "string" && r.state !== "running") parts.push(r.state);
    if (r.phase !== undefined && r.phase !== null && r.phase !== r.state) parts.push(String(r.phase));
    if (fraction !== null) parts.push(Math.round(100 * Math.min(1, fraction)) + "%");
    if (done !== null && total) parts.push(int(done) + " / " + int(total));
    var rows = [];
    Object.keys(r).forEach(function (key) {
      var value = r[key];
      if (SUMMARY_FIELDS[key] || value === null || value === "") return;
      if (/^eta/i.test(key)) {
        parts.push("ETA " + etaText(key, value));
        return;
      }
      rows.push(el("dt", "", humanize(key)));
      rows.push(el("dd", "", fieldText(key, value)));
    });
    setText("reconcile-summary", parts.join(" · "));
    var fields = $("reconcile-fields");
    fields.replaceChildren.apply(fields, rows);
  }

  // One line per SYNC_GROUPS group: a group missing in Genesys is flagged, it needs an admin.
  function renderGroups(list) {
    var groups = Array.isArray(list) ? list : [];
    $("groups-none").hidden = groups.length > 0;
    var rows = [];
    groups.forEach(function (g) {
      var name = g.okta === g.genesys ? g.okta : g.okta + " → " + g.genesys;
      rows.push(el("dt", "", name));
      var text = g.state === "never" ? "no change since start" : g.state + (g.detail ? " · " + g.detail : "");
      rows.push(el("dd", g.state === "missing" || g.state === "failed" ? "bad" : "", text));
    });
    var fields = $("groups-fields");
    fields.replaceChildren.apply(fields, rows);
  }

  function renderDeliveries(list, now) {
    var body = $("deliveries");
    setText("deliveries-count", list.length ? "newest first · last " + list.length : "");
    if (list.length === 0) {
      var empty = el("tr", "empty");
      var cell = el("td", "", "No deliveries since the bridge started.");
      cell.colSpan = 8;
      empty.appendChild(cell);
      body.replaceChildren(empty);
      return;
    }
    var rows = list.map(function (d) {
      var tr = el("tr");
      var when = el("td");
      when.appendChild(el("span", "", clockTime(d.at)));
      when.appendChild(el("span", "muted ago", duration((now - d.at) / 1000) + " ago"));
      tr.appendChild(when);
      var status = el("td");
      status.appendChild(el("span", "badge " + (d.status >= 200 && d.status < 300 ? "badge-ok" : "badge-bad"), String(d.status)));
      tr.appendChild(status);
      [d.events, d.stored, d.duplicates, d.ignored, d.users].forEach(function (n) {
        tr.appendChild(el("td", "num", int(n)));
      });
      var types = el("div", "types");
      d.eventTypes.forEach(function (t) {
        types.appendChild(el("span", "chip", t.type + " ×" + int(t.count)));
      });
      tr.appendChild(el("td")).appendChild(types);
      return tr;
    });
    body.replaceChildren.apply(body, rows);
  }

  function render(s) {
    renderHealth(s);
    renderUpstream("genesys", s.upstreams.genesys);
    renderUpstream("okta", s.upstreams.okta);
    renderQueue(s.queue);
    renderWrites(s.activity);
    renderChart(s.activity, s.now);
    renderReconcile(s.reconcile);
    renderGroups(s.groups);
    renderDeliveries(s.deliveries, s.now);
    document.body.classList.remove("offline");
  }

  function disconnected() {
    var pill = $("health");
    pill.className = "pill pill-bad";
    setText("health", "Disconnected: retrying");
    document.body.classList.add("offline");
  }

  function poll() {
    fetch("/status.json", { cache: "no-store", headers: { accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.json();
      })
      // A failed poll shows on the page; a rendering bug stays an error the browser reports.
      .then(function (snapshot) {
        last = snapshot;
        render(snapshot);
      }, disconnected)
      .finally(function () {
        setTimeout(poll, POLL_MS);
      });
  }

  window.addEventListener("resize", function () {
    if (last) renderChart(last.activity, last.now);
  });
  poll();
})();
`;
