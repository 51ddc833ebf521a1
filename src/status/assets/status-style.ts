/**
 * The status page's stylesheet, served as /status/app.css (same origin, as helmet's CSP wants).
 * Over 250 lines on purpose: it is one stylesheet, kept whole so it reads as CSS.
 */
export const STATUS_STYLE = String.raw`:root {
  --bg: #f4f6f9;
  --panel: #ffffff;
  --border: #e2e6ee;
  --text: #1c2433;
  --muted: #6b7588;
  --accent: #2f6fec;
  --accent-soft: #dbe6fd;
  --ok: #1c9b5e;
  --ok-soft: #dcf3e7;
  --warn: #c77a00;
  --warn-soft: #fdf0d8;
  --bad: #d23c3c;
  --bad-soft: #fbe1e1;
  --requests: #c9d3e3;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text);
  background: var(--bg);
}
* {
  box-sizing: border-box;
}
body {
  margin: 0;
  font-size: 14px;
  line-height: 1.45;
}
body.offline main {
  opacity: 0.55;
}
a {
  color: var(--accent);
}
h1,
h2 {
  margin: 0;
  font-weight: 600;
}
h1 {
  font-size: 18px;
}
h2 {
  font-size: 12px;
  letter-spacing: 0.06em;
  text-transform: uppercase;
  color: var(--muted);
}
.muted {
  color: var(--muted);
}
.top {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 16px;
  padding: 14px 28px;
  background: #131b2e;
  color: #fff;
}
.top .sub {
  margin: 2px 0 0;
  color: #a9b4c9;
  font-size: 12px;
}
.brand {
  display: flex;
  align-items: center;
  gap: 12px;
}
.logo {
  display: grid;
  place-items: center;
  width: 36px;
  height: 36px;
  border-radius: 9px;
  background: var(--accent);
  font-size: 20px;
}
.state {
  display: flex;
  align-items: center;
  gap: 12px;
}
.state .muted {
  color: #a9b4c9;
  font-size: 12px;
  font-variant-numeric: tabular-nums;
}
.pill {
  display: inline-flex;
  align-items: center;
  gap: 8px;
  padding: 5px 12px;
  border-radius: 999px;
  font-weight: 600;
  font-size: 13px;
}
.pill::before {
  content: "";
  width: 8px;
  height: 8px;
  border-radius: 50%;
  background: currentColor;
}
.pill-ok {
  background: var(--ok-soft);
  color: var(--ok);
}
.pill-busy {
  background: var(--accent-soft);
  color: var(--accent);
}
.pill-warn {
  background: var(--warn-soft);
  color: var(--warn);
}
.pill-bad {
  background: var(--bad-soft);
  color: var(--bad);
}
.pill-unknown {
  background: #e7eaf0;
  color: #4a5468;
}
main {
  display: grid;
  gap: 18px;
  max-width: 1400px;
  margin: 0 auto;
  padding: 22px 28px 8px;
}
.cards {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(210px, 1fr));
  gap: 14px;
}
.card,
.panel {
  background: var(--panel);
  border: 1px solid var(--border);
  border-radius: 10px;
  box-shadow: 0 1px 2px rgba(20, 30, 50, 0.04);
}
.card {
  padding: 14px 16px;
  border-top: 3px solid var(--accent);
}
.card.warn {
  border-top-color: var(--warn);
}
.fields dd.bad {
  color: var(--bad, #b42318);
  font-weight: 600;
}

.card.bad {
  border-top-color: var(--bad);
}
.card.bad .big {
  color: var(--bad);
}
.big {
  margin: 6px 0 8px;
  font-size: 32px;
  font-weight: 650;
  line-height: 1.1;
  font-variant-numeric: tabular-nums;
}
.big small {
  font-size: 13px;
  font-weight: 500;
  color: var(--muted);
}
.detail {
  margin: 2px 0 0;
  color: var(--muted);
  font-size: 12.5px;
  font-variant-numeric: tabular-nums;
}
.meter,
.progress {
  height: 6px;
  border-radius: 3px;
  background: #edf0f5;
  overflow: hidden;
  margin-bottom: 6px;
}
.meter span,
.progress span {
  display: block;
  height: 100%;
  width: 0;
  background: var(--accent);
  border-radius: 3px;
  transition: width 0.4s ease;
}
.card.warn .meter span {
  background: var(--warn);
}
.progress {
  height: 10px;
  margin: 4px 0 8px;
}
.panel {
  padding: 14px 16px 12px;
}
.panel-head {
  display: flex;
  align-items: baseline;
  justify-content: space-between;
  gap: 12px;
  margin-bottom: 10px;
}
.legend {
  display: flex;
  align-items: center;
  gap: 6px;
  font-size: 12px;
  color: var(--muted);
}
.legend .muted {
  margin-left: 10px;
}
.key {
  display: inline-block;
  width: 10px;
  height: 10px;
  border-radius: 2px;
  margin-left: 8px;
}
.key-writes {
  background: var(--accent);
}
.key-requests {
  background: var(--requests);
}
.key-throttled {
  background: var(--bad);
}
.chart {
  width: 100%;
  min-height: 200px;
}
.chart-svg {
  display: block;
  width: 100%;
  height: auto;
}
.chart-svg .grid {
  stroke: #eef1f6;
  stroke-width: 1;
}
.chart-svg .axis {
  stroke: #c5ccd9;
  stroke-width: 1;
}
.chart-svg .tick {
  fill: var(--muted);
  font-size: 11px;
  font-variant-numeric: tabular-nums;
}
.chart-svg .hit {
  fill: transparent;
}
.chart-svg g:hover .hit {
  fill: rgba(47, 111, 236, 0.06);
}
.chart-svg .bar-requests {
  fill: var(--requests);
  opacity: 0.6;
}
.chart-svg .bar-writes {
  fill: var(--accent);
}
.chart-svg .bar-throttled {
  fill: var(--bad);
}
.columns {
  display: grid;
  grid-template-columns: minmax(260px, 1fr) 3fr;
  gap: 14px;
  align-items: start;
}
.columns > *,
.cards > * {
  min-width: 0;
}
.table-wrap {
  overflow-x: auto;
}
@media (max-width: 900px) {
  .columns {
    grid-template-columns: 1fr;
  }
}
.fields {
  display: grid;
  grid-template-columns: auto 1fr;
  gap: 3px 12px;
  margin: 8px 0 0;
  font-size: 12.5px;
}
.fields dt {
  color: var(--muted);
}
.fields dd {
  margin: 0;
  font-variant-numeric: tabular-nums;
}
.deliveries {
  width: 100%;
  border-collapse: collapse;
  font-size: 13px;
}
.deliveries th {
  text-align: left;
  font-weight: 600;
  font-size: 11.5px;
  color: var(--muted);
  border-bottom: 1px solid var(--border);
  padding: 6px 8px;
  white-space: nowrap;
}
.deliveries td {
  padding: 6px 8px;
  border-bottom: 1px solid #f0f2f6;
  vertical-align: top;
  font-variant-numeric: tabular-nums;
}
.deliveries tr:last-child td {
  border-bottom: 0;
}
.deliveries .num {
  text-align: right;
}
.deliveries .empty td {
  color: var(--muted);
  text-align: center;
  padding: 18px;
}
.deliveries .ago {
  display: block;
  font-size: 11.5px;
}
.badge {
  display: inline-block;
  padding: 1px 7px;
  border-radius: 4px;
  font-weight: 600;
  font-size: 12px;
}
.badge-ok {
  background: var(--ok-soft);
  color: var(--ok);
}
.badge-bad {
  background: var(--bad-soft);
  color: var(--bad);
}
.types {
  display: flex;
  flex-wrap: wrap;
  gap: 4px;
}
.chip {
  padding: 1px 7px;
  border-radius: 4px;
  background: #eef1f6;
  color: #3a4457;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 11.5px;
  white-space: nowrap;
}
footer {
  max-width: 1400px;
  margin: 0 auto;
  padding: 6px 28px 22px;
  font-size: 12px;
}
`;
