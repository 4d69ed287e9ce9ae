/**
 * The live page served at `GET /`: lists the topics (refreshed every 2 s) and tails one in
 * the browser through the client library (`/gregor-client.js`, the browser bundle of
 * src/client/). `/?topic=NAME` tails NAME from the latest offset of every partition,
 * `&from=beginning` from the earliest. The newest 500 records are kept on screen.
 */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gregor — live</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { margin: 0; display: grid; grid-template-columns: 16rem 1fr; min-height: 100vh; }
  aside { background: #1d2330; color: #e8ebf0; padding: 1rem; }
  aside h1 { font-size: 1.2rem; margin: 0 0 1rem; }
  aside a { color: #9cc4ff; text-decoration: none; }
  aside li { margin: .3rem 0; list-style: none; }
  aside ul { padding: 0; }
  aside .meta { color: #9aa3b2; font-size: .8rem; }
  main { padding: 1rem 1.5rem; overflow: auto; }
  #status { font-size: .9rem; color: #4a5568; margin-bottom: .8rem; }
  table { border-collapse: collapse; width: 100%; font-size: .85rem; background: white; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e2e6ec; vertical-align: top; }
  th { background: #eef1f5; }
  td.value { font-family: ui-monospace, monospace; word-break: break-all; }
</style>
</head>
<body>
<aside>
  <h1>Gregor</h1>
  <div class="meta" id="cluster"></div>
  <h2 style="font-size:1rem">Topics</h2>
  <ul id="topics"></ul>
</aside>
<main>
  <div id="status">connecting…</div>
  <div id="count"></div>
  <table>
    <thead><tr><th>partition</th><th>offset</th><th>timestamp</th><th>key</th><th>value</th><th>headers</th></tr></thead>
    <tbody id="records"></tbody>
  </table>
</main>
<script type="module">
import { connect } from './gregor-client.js';

const MAX_ROWS = 500;
const params = new URLSearchParams(location.search);
const topic = params.get('topic');
const fromBeginning = params.get('from') === 'beginning';
const text = (bytes) => (bytes === null ? '∅' : new TextDecoder().decode(bytes));
const $ = (id) => document.getElementById(id);
let received = 0;

function setStatus(message) { $('status').textContent = message; }

function showRecord(record) {
  const row = document.createElement('tr');
  row.dataset.partition = String(record.partition);
  row.dataset.offset = String(record.offset);
  const cells = [
    String(record.partition),
    String(record.offset),
    new Date(record.timestamp).toISOString(),
    text(record.key),
    text(record.value),
    record.headers.map((h) => h.key + '=' + text(h.value)).join(', '),
  ];
  cells.forEach((content, i) => {
    const cell = document.createElement('td');
    if (i === 4) cell.className = 'value';
    cell.textContent = content;
    row.appendChild(cell);
  });
  const body = $('records');
  body.insertBefore(row, body.firstChild);
  while (body.childElementCount > MAX_ROWS) body.removeChild(body.lastChild);
  received++;
  $('count').textContent = received + ' records received';
}

async function listTopics(client) {
  const metadata = await client.metadata();
  $('cluster').textContent = 'cluster ' + metadata.clusterId;
  const list = $('topics');
  list.replaceChildren(...metadata.topics
    .filter((t) => !t.name.startsWith('__'))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = '?topic=' + encodeURIComponent(t.name);
      link.textContent = t.name;
      item.appendChild(link);
      const meta = document.createElement('span');
      meta.className = 'meta';
      const records = t.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0);
      const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');
      meta.textContent = ' ' + plural(t.partitions.length, 'partition') + ', ' + plural(records, 'record');
      item.appendChild(meta);
      return item;
    }));
}

try {
  // A gateway with gregor.websocket.authentication says so in its hello. For jwt, ask for a
  // token once and keep it for this tab (sessionStorage), so the page reconnects without
  // asking; for sasl with PLAIN or SCRAM, ask for a user and password (kept in memory only).
  const url = location.origin.replace(/^http/, 'ws') + '/';
  const saved = sessionStorage.getItem('gregor-token');
  let client = await connect(url, saved ? { token: saved } : {});
  if (client.hello.authentication && !saved) {
    const hello = client.hello;
    await client.close();
    const mechanism = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'].find((m) => (hello.saslMechanisms || []).includes(m));
    if (hello.authentication === 'sasl' && mechanism) {
      const username = prompt('This gateway needs a login (' + mechanism + '). User:') || '';
      const password = prompt('Password for ' + username + ':') || '';
      client = await connect(url, { sasl: { mechanism, username, password } });
    } else {
      const token = prompt('This gateway needs a JWT (gregor.websocket.authentication=' + hello.authentication + '):') || '';
      sessionStorage.setItem('gregor-token', token);
      client = await connect(url, { token });
    }
  }
  window.gregorClient = client;
  await listTopics(client);
  setInterval(() => listTopics(client).catch((err) => setStatus('error: ' + err.message)), 2000);
  if (topic) {
    const consumer = client.consumer({ autoOffsetReset: fromBeginning ? 'earliest' : 'latest' });
    await consumer.subscribe({ topics: [topic] });
    consumer.run({ eachRecord: showRecord, onError: (err) => setStatus('error: ' + err.name + ': ' + err.message) });
    setStatus('tailing ' + topic + (fromBeginning ? ' from the beginning' : ' from the latest offsets') + ' (encoder: ' + client.encoderKind + ')');
    document.body.dataset.state = 'tailing';
  } else {
    setStatus('choose a topic');
    document.body.dataset.state = 'ready';
  }
} catch (err) {
  setStatus('error: ' + (err && err.message ? err.message : String(err)));
  document.body.dataset.state = 'error';
}
</script>
</body>
</html>
`;
