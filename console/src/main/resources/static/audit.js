// The audit log: every change and every reveal or download in the account, who, when, before and after, newest first,
// filtered and paged by diagnostics-service (which keeps the audit topic's events per account).
import { $, api, el, fill, pager, when, failed } from './core.js';

const SIZE = 50;
let pages;

function states(entry) {
  const shown = [['Before', entry.before], ['After', entry.after]].filter(([, value]) => value);
  if (shown.length === 0) return el('span', { className: 'meta', text: '–' });
  return el('details', {}, el('summary', { text: 'Before and after' }),
    ...shown.flatMap(([title, value]) => [el('h3', { text: title }), el('pre', { text: pretty(value), tabindex: '0' })]));
}

function pretty(json) {
  try { return JSON.stringify(JSON.parse(json), null, 2); } catch { return json; }
}

export async function showAudit() {
  const query = new URLSearchParams({ page: String(pages.page), size: String(SIZE) });
  for (const [id, name] of [['audit-action', 'action'], ['audit-actor', 'actor'], ['audit-text', 'q']]) {
    if ($(id).value.trim()) query.set(name, $(id).value.trim());
  }
  if ($('audit-from').value) query.set('from', new Date(`${$('audit-from').value}T00:00:00`).toISOString());
  if ($('audit-to').value) query.set('to', new Date(new Date(`${$('audit-to').value}T00:00:00`).getTime() + 86_400_000).toISOString());
  try {
    const answer = await (await api('GET', `diagnostics/audit?${query}`)).json();
    fill(document.querySelector('#audit-table tbody'), answer.events.map((entry) => el('tr', {},
      el('td', { text: when(entry.occurredAt) }),
      el('td', { text: entry.actorRole ? `${entry.actorEmail || entry.actor} (${entry.actorRole})` : entry.actorEmail || entry.actor }),
      el('th', { scope: 'row', text: entry.action }),
      el('td', { text: [entry.resourceType, entry.resourceId].filter(Boolean).join(' ') }),
      el('td', { text: entry.outcome === 'SUCCESS' ? 'Done' : entry.outcome, className: entry.outcome === 'SUCCESS' ? '' : 'warn' }),
      el('td', { text: entry.sourceAddress || '' }),
      el('td', {}, states(entry)))), 7, 'Nothing in the audit log matches.');
    pages.show(answer.matching);
  } catch (error) {
    failed(error, 'The audit log could not be read');
  }
}

export function setUpAudit() {
  $('audit-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    pages.page = 0;
    showAudit();
  });
  pages = pager('audit', SIZE, showAudit);
}
