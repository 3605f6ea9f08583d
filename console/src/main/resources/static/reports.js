// Reports: activity over time (a chart drawn as SVG, with its numbers in a table for screen readers), totals, top
// stopped names, categories and security categories, from diagnostics-service; and live counters every second
// (diagnostics-service's event stream, relayed by the console with the administrator's session).
import { $, state, api, el, failed } from './core.js';

const SVG = 'http://www.w3.org/2000/svg';
const RANGES = { hour: { millis: 3_600_000, interval: 'MINUTE' }, day: { millis: 86_400_000, interval: 'HOUR' },
  week: { millis: 7 * 86_400_000, interval: 'HOUR' } };
let live = null;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

const number = (n) => Number(n).toLocaleString();

function chart(buckets, interval) {
  const width = 760;
  const height = 200;
  const left = 48;
  const bottom = 22;
  const peak = Math.max(1, ...buckets.map((b) => b.queries));
  const step = (width - left) / Math.max(1, buckets.length);
  const y = (value) => height - bottom - (value / peak) * (height - bottom - 8);
  const label = (instant) => new Date(instant).toLocaleString([], interval === 'MINUTE'
    ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', hour: '2-digit' });
  const bars = buckets.flatMap((bucket, index) => {
    const x = left + index * step;
    const w = Math.max(1, step - 1);
    return [svg('rect', { x, y: y(bucket.queries), width: w, height: height - bottom - y(bucket.queries), class: 'bar-queries' }),
      svg('rect', { x, y: y(bucket.stopped), width: w, height: height - bottom - y(bucket.stopped), class: 'bar-stopped' })];
  });
  const ticks = [0, Math.floor(buckets.length / 2), buckets.length - 1].filter((i, k, all) => i >= 0 && all.indexOf(i) === k)
    .map((index, k, all) => svg('text', { x: left + index * step, y: height - 6, class: 'axis',
      'text-anchor': k === 0 ? 'start' : k === all.length - 1 ? 'end' : 'middle' }, label(buckets[index].start)));
  const total = buckets.reduce((sum, b) => sum + b.queries, 0);
  const stopped = buckets.reduce((sum, b) => sum + b.stopped, 0);
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart',
    'aria-label': `Queries over time: ${number(total)} queries, ${number(stopped)} stopped, peak ${number(peak)} in one ${interval.toLowerCase()}` },
  svg('text', { x: 0, y: 14, class: 'axis' }, number(peak)), svg('text', { x: 0, y: height - bottom, class: 'axis' }, '0'),
  svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: 'baseline' }), ...bars, ...ticks);
}

function countTable(caption, rows, columns) {
  return el('table', {}, el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, ...columns.map(([title]) => el('th', { scope: 'col', text: title })))),
    el('tbody', {}, ...(rows.length ? rows.map((row) => el('tr', {}, ...columns.map(([, value], i) =>
      el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row', text: value(row) } : { text: value(row) }))))
      : [el('tr', {}, el('td', { colspan: columns.length, text: 'Nothing in this range.' }))])));
}

export async function showReports() {
  const range = RANGES[$('report-range').value] || RANGES.hour;
  const to = new Date();
  const from = new Date(to.getTime() - range.millis);
  const query = `from=${from.toISOString()}&to=${to.toISOString()}`;
  try {
    const [series, summary] = await Promise.all([
      api('GET', `diagnostics/reports/activity?interval=${range.interval}&${query}`).then((r) => r.json()),
      api('GET', `diagnostics/reports/summary?limit=10&${query}`).then((r) => r.json())]);
    $('report-totals').replaceChildren(
      ...[['Queries', summary.queries], ['Stopped', summary.stopped], ['Failed upstream', summary.failed]]
        .flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: number(value) })]));
    $('report-chart').replaceChildren(chart(series, range.interval),
      el('details', {}, el('summary', { text: 'The numbers' }), countTable('Queries per window', series, [
        ['Window', (b) => new Date(b.start).toLocaleString()], ['Queries', (b) => number(b.queries)],
        ['Stopped', (b) => number(b.stopped)], ['Failed', (b) => number(b.failed)]])));
    $('report-tables').replaceChildren(
      countTable('Top stopped names', summary.topStopped, [['Name', (n) => n.name], ['Queries', (n) => number(n.count)]]),
      countTable('Categories', summary.byCategory, [['Category', (c) => c.id], ['Queries', (c) => number(c.queries)],
        ['Stopped', (c) => number(c.stopped)]]),
      countTable('Security categories stopped', Object.entries(summary.securityStopped || {}).map(([id, count]) => ({ id, count })),
        [['Category', (c) => c.id], ['Stopped', (c) => number(c.count)]]),
      countTable('By location', summary.byLocation, [['Location', (c) => c.id], ['Queries', (c) => number(c.queries)],
        ['Stopped', (c) => number(c.stopped)]]));
  } catch (error) {
    failed(error, 'The reports could not be read');
  }
  startLive();
}

/** The last minute, a point a second: what the operators' dashboard draws, here in the console. */
const LAST = 60;
let recent = [];

function liveChart() {
  const width = 760;
  const height = 120;
  const peak = Math.max(1, ...recent.map((c) => c.queriesPerSecond));
  const x = (index) => width - (recent.length - 1 - index) * (width / (LAST - 1));
  const y = (value) => height - 4 - (value / peak) * (height - 20);
  const line = (key, kind) => svg('polyline', { class: `live-${kind}`, fill: 'none',
    points: recent.map((c, i) => `${x(i).toFixed(1)},${y(c[key]).toFixed(1)}`).join(' ') });
  const latest = recent[recent.length - 1];
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart live-chart',
    'aria-label': `The last ${recent.length} seconds: at most ${number(peak)} queries a second; now ${number(latest.queriesPerSecond)} queries, `
      + `${number(latest.stoppedPerSecond)} stopped and ${number(latest.failedPerSecond)} failed a second` },
  svg('text', { x: 0, y: 12, class: 'axis' }, `${number(peak)}/s`),
  svg('line', { x1: 0, y1: height - 4, x2: width, y2: height - 4, class: 'baseline' }),
  line('failedPerSecond', 'failed'), line('stoppedPerSecond', 'stopped'), line('queriesPerSecond', 'queries'));
}

/** Live counters: one event a second; the browser reconnects by itself when the stream ends (the session's token renewed). */
function startLive() {
  if (live) return;
  recent = [];
  live = new EventSource(`/api/v1/accounts/${state.session.account}/diagnostics/live`);
  live.addEventListener('counters', (event) => {
    const counters = JSON.parse(event.data);
    recent = [...recent.slice(-(LAST - 1)), counters];
    $('live-chart').replaceChildren(liveChart());
    $('live-queries').textContent = number(counters.queriesPerSecond);
    $('live-stopped').textContent = number(counters.stoppedPerSecond);
    $('live-failed').textContent = number(counters.failedPerSecond);
    $('live-state').textContent = `Live, at ${new Date(counters.at).toLocaleTimeString()}`;
  });
  live.addEventListener('error', () => { $('live-state').textContent = 'Reconnecting…'; });
}

export function stopLive() {
  if (live) live.close();
  live = null;
}

export function setUpReports() {
  $('report-range').addEventListener('change', showReports);
}
