/**
 * The status page's markup: a skeleton the script fills in. No inline script or style (helmet's
 * CSP), and a data: favicon so the browser does not log a 404 for /favicon.ico.
 */
export const STATUS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Okta → Genesys bridge · status</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/status/app.css" />
    <script src="/status/app.js" defer></script>
  </head>
  <body>
    <header class="top">
      <div class="brand">
        <span class="logo" aria-hidden="true">⇄</span>
        <div>
          <h1>Okta → Genesys bridge</h1>
          <p class="sub">Live status · <span id="uptime">starting…</span><span id="replicas"></span></p>
        </div>
      </div>
      <div class="state">
        <span id="health" class="pill pill-unknown" role="status" aria-live="polite">Connecting…</span>
        <span id="updated" class="muted"></span>
      </div>
    </header>

    <main>
      <section class="cards" aria-label="Key numbers">
        <article class="card" id="card-genesys">
          <h2>Genesys rate</h2>
          <p class="big"><span id="genesys-rate">—</span> <small>req/s</small></p>
          <div class="meter" aria-hidden="true"><span id="genesys-meter"></span></div>
          <p class="detail" id="genesys-quota">quota not learned yet</p>
          <p class="detail" id="genesys-flow"></p>
        </article>
        <article class="card" id="card-okta">
          <h2>Okta rate</h2>
          <p class="big"><span id="okta-rate">—</span> <small>req/s</small></p>
          <div class="meter" aria-hidden="true"><span id="okta-meter"></span></div>
          <p class="detail" id="okta-quota">quota not learned yet</p>
          <p class="detail" id="okta-flow"></p>
        </article>
        <article class="card">
          <h2>Queue</h2>
          <p class="big"><span id="queue-pending">—</span> <small>users pending</small></p>
          <p class="detail" id="queue-oldest">nothing waiting</p>
          <p class="detail" id="queue-inflight"></p>
        </article>
        <article class="card">
          <h2>Genesys writes</h2>
          <p class="big"><span id="writes-total">—</span> <small>since start</small></p>
          <p class="detail" id="writes-recent"></p>
          <p class="detail" id="throttled-total"></p>
        </article>
        <article class="card" id="card-dead">
          <h2>Dead letters</h2>
          <p class="big"><span id="dead-letters">—</span> <small>users</small></p>
          <p class="detail" id="dead-hint">none: every change went through</p>
        </article>
      </section>

      <section class="panel">
        <div class="panel-head">
          <h2>Genesys activity</h2>
          <div class="legend">
            <span class="key key-writes"></span>writes
            <span class="key key-requests"></span>requests
            <span class="key key-throttled"></span>429s
            <span class="muted" id="chart-scale"></span>
          </div>
        </div>
        <div id="chart" class="chart" role="img" aria-label="Genesys writes, requests and 429s over time"></div>
      </section>

      <div class="columns">
        <section class="panel" id="reconcile-panel">
          <div class="panel-head"><h2>Reconcile</h2></div>
          <p id="reconcile-idle" class="muted">No reconcile running.</p>
          <div id="reconcile-body" hidden>
            <div class="progress" aria-hidden="true"><span id="reconcile-bar"></span></div>
            <p class="detail" id="reconcile-summary"></p>
            <dl id="reconcile-fields" class="fields"></dl>
          </div>
        </section>

        <section class="panel" id="groups-panel">
          <div class="panel-head"><h2>Groups</h2></div>
          <p id="groups-none" class="muted">No groups listed in SYNC_GROUPS.</p>
          <dl id="groups-fields" class="fields"></dl>
        </section>

        <section class="panel wide">
          <div class="panel-head">
            <h2>Last Okta deliveries</h2>
            <span class="muted" id="deliveries-count"></span>
          </div>
          <div class="table-wrap">
            <table class="deliveries">
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Answer</th>
                  <th class="num">Events</th>
                  <th class="num">New</th>
                  <th class="num">Dupes</th>
                  <th class="num">Ignored</th>
                  <th class="num">Users</th>
                  <th>Event types</th>
                </tr>
              </thead>
              <tbody id="deliveries">
                <tr class="empty"><td colspan="8">No deliveries since the bridge started.</td></tr>
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </main>
    <footer class="muted">
      Refreshes every second from <a href="/status.json">/status.json</a> · metrics at
      <a href="/metrics">/metrics</a>
    </footer>
  </body>
</html>
`;
