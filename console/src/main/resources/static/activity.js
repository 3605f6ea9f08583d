// Activity: the account's query log, searched by diagnostics-service (Parquet files read by DuckDB, the account's
// own files only) and paged there: the page never holds more than one page of queries, however many there are.
import { $, api, read, el, fill, pager, when, failed, notice, showFieldErrors, clearFieldErrors, shapeWrites, confirmed, etag, state }
  from './core.js';

const SIZE = 50;
const RANGES = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };
const ACTIONS = {
  ALLOWED: 'Allowed', BLOCKED: 'Blocked', WARNED: 'Warned', ALLOWED_AFTER_WARNING: 'Allowed after warning',
  SAFESEARCH_REWRITTEN: 'SafeSearch enforced', REFUSED: 'Refused',
};
const STOPPED = new Set(['BLOCKED', 'WARNED', 'REFUSED']);
/** Names of what the log holds by identifier, from the account's lists (read once per visit to the page). */
const names = { locations: new Map(), policies: new Map(), categories: new Map() };
let pages;

const sentence = (constant) => constant.charAt(0) + constant.slice(1).toLowerCase().replaceAll('_', ' ');

function range() {
  if ($('activity-range').value !== 'custom') {
    const to = new Date();
    return { from: new Date(to.getTime() - RANGES[$('activity-range').value]), to };
  }
  return { from: $('activity-from').value ? new Date($('activity-from').value) : null,
    to: $('activity-to').value ? new Date($('activity-to').value) : null };
}

function query() {
  const parameters = new URLSearchParams({ page: String(pages.page), size: String(SIZE) });
  const { from, to } = range();
  if (from) parameters.set('from', from.toISOString());
  if (to) parameters.set('to', to.toISOString());
  const name = $('activity-name').value.trim();
  if (name) parameters.set($('activity-under').checked ? 'suffix' : 'name', name);
  for (const [id, parameter] of [['activity-user', 'user'], ['activity-device', 'agent'], ['activity-location', 'location'],
    ['activity-action', 'action'], ['activity-category', 'category'], ['activity-policy', 'policy']]) {
    if ($(id).value.trim()) parameters.set(parameter, $(id).value.trim());
  }
  return parameters;
}

function who(row) {
  if (row.userEmail) return row.userEmail;
  if (row.agentId) return `Device ${row.agentId}`;
  return `Address ${row.clientAddress}`;
}

function row(verdict) {
  return el('tr', {},
    el('td', { text: when(verdict.occurredAt) }),
    el('th', { scope: 'row', text: verdict.queryName }),
    el('td', { text: verdict.queryType }),
    el('td', {}, el('span', { className: STOPPED.has(verdict.action) ? 'chip warn' : 'chip',
      text: ACTIONS[verdict.action] || verdict.action })),
    el('td', { text: sentence(verdict.reason) }),
    el('td', { text: who(verdict), title: `${verdict.transport} from ${verdict.clientAddress}` }),
    el('td', { text: verdict.locationId ? names.locations.get(verdict.locationId) || verdict.locationId : '' }),
    el('td', { text: verdict.policyId ? names.policies.get(verdict.policyId) || verdict.policyId : '' }),
    el('td', { text: verdict.categoryIds.map((id) => names.categories.get(id) || id).join(', ') }));
}

export async function searchActivity() {
  clearFieldErrors('activity');
  try {
    const answer = await (await api('GET', `query-log?${query()}`)).json();
    fill(document.querySelector('#activity-table tbody'), answer.verdicts.map(row), 9, 'No query matches.');
    pages.show(answer.total, ` (${when(answer.from)} to ${when(answer.to)})`);
  } catch (error) {
    if (error.status === 400) showFieldErrors('activity', error);
    failed(error, 'The activity could not be searched');
  }
}

/** The pickers' choices: the account's locations and policies, and the category catalogue. */
async function loadPickers() {
  const [locations, policies, catalogue] = await Promise.allSettled([api('GET', 'locations').then((r) => r.json()),
    api('GET', 'policies').then((r) => r.json()), read('/api/v1/categories').then((r) => r.json())]);
  const listed = (answer) => (answer.status === 'fulfilled' ? answer.value : []);
  names.locations = new Map(listed(locations).map((l) => [l.locationId, l.name]));
  names.policies = new Map(listed(policies).map((p) => [p.policyId, p.name]));
  names.categories = new Map((catalogue.status === 'fulfilled' ? catalogue.value.groups : [])
    .flatMap((group) => group.categories.map((c) => [c.categoryId, c.name])));
  const offer = (id, entries) => {
    const chosen = $(id).value;
    $(id).replaceChildren(el('option', { value: '', text: '(any)' }),
      ...[...entries].sort((a, b) => a[1].localeCompare(b[1])).map(([value, text]) => el('option', { value, text })));
    $(id).value = chosen;
  };
  offer('activity-location', names.locations);
  offer('activity-policy', names.policies);
  offer('activity-category', names.categories);
}

/** What the log keeps and whether it holds pseudonyms (diagnostics-service's query-log/retention and /privacy). */
async function loadLogSettings() {
  const [retention, privacy] = await Promise.all([api('GET', 'query-log/retention').then((r) => r.json()),
    api('GET', 'query-log/privacy').then((r) => r.json())]);
  $('retention-allowed').value = retention.allowedDays;
  $('retention-security').value = retention.securityDays;
  $('privacy-pseudonyms').checked = privacy.pseudonymiseUsers;
}

async function saveRetention(event) {
  event.preventDefault();
  clearFieldErrors('retention');
  try {
    await api('PUT', 'query-log/retention', { allowedDays: Number($('retention-allowed').value),
      securityDays: Number($('retention-security').value) });
    notice('The retention is saved; the log applies it within the hour.');
  } catch (error) {
    if (error.status === 400) showFieldErrors('retention', error);
    failed(error, 'The retention was not saved');
  }
}

async function savePrivacy(event) {
  event.preventDefault();
  try {
    const answer = await (await api('PUT', 'query-log/privacy', { pseudonymiseUsers: $('privacy-pseudonyms').checked })).json();
    notice(answer.pseudonymiseUsers ? 'From now on the log holds pseudonyms instead of users and addresses.'
      : 'From now on the log holds users and addresses.');
  } catch (error) {
    failed(error, 'The choice was not saved');
  }
}

async function reIdentify(event) {
  event.preventDefault();
  clearFieldErrors('reidentify');
  $('reidentify-result').textContent = '';
  try {
    const answer = await (await api('POST', 'query-log/re-identify', { pseudonym: $('reidentify-pseudonym').value.trim(),
      reason: $('reidentify-reason').value.trim() })).json();
    $('reidentify-result').textContent = `${answer.pseudonym} is ${answer.identity} (recorded in the audit log).`;
  } catch (error) {
    if (error.status === 400) showFieldErrors('reidentify', error);
    failed(error, 'Not re-identified');
  }
}

/** The account's SIEM destination (settings-service's siem-destination): its version, for If-Match, once read. */
let siemVersion = null;

function showSiem(destination) {
  siemVersion = destination ? destination.version : null;
  $('remove-siem').hidden = !destination;
  if (!destination) {
    $('siem-current').textContent = 'Queries are not sent to a SIEM.';
    return;
  }
  $('siem-host').value = destination.host;
  $('siem-port').value = destination.port;
  $('siem-format').value = destination.format;
  $('siem-facility').value = destination.facility;
  $('siem-verify-hostname').checked = destination.verifyHostname;
  $('siem-ca').value = destination.caCertificates;
  const authorities = destination.certificates.map((ca) => `${ca.subject} (until ${when(ca.notAfter)})`).join('; ');
  $('siem-current').textContent = `Queries go to ${destination.host}:${destination.port} as ${destination.format}, trusting ${authorities}.`
    + ` Set by ${destination.updatedBy}, ${when(destination.updatedAt)}.`;
}

async function loadSiem() {
  try {
    showSiem(await (await api('GET', 'siem-destination')).json());
  } catch (error) {
    if (error.status !== 404) throw error;
    showSiem(null);
  }
}

async function saveSiem(event) {
  event.preventDefault();
  clearFieldErrors('siem');
  try {
    const destination = await (await api('PUT', 'siem-destination', { host: $('siem-host').value.trim(),
      port: Number($('siem-port').value), format: $('siem-format').value, facility: $('siem-facility').value,
      verifyHostname: $('siem-verify-hostname').checked, caCertificates: $('siem-ca').value },
    siemVersion === null ? {} : { 'If-Match': etag(siemVersion) })).json();
    showSiem(destination);
    notice(`Queries now go to ${destination.host}:${destination.port}.`);
  } catch (error) {
    if (error.status === 400) showFieldErrors('siem', error);
    failed(error, 'The destination was not saved');
  }
}

async function removeSiem() {
  if (!await confirmed('Stop sending to the SIEM?', 'Queries stop going to the receiver at once. A destination set again '
    + 'later gets the queries from then on, not those of the time between.', 'Stop sending')) return;
  try {
    await api('DELETE', 'siem-destination', undefined, { 'If-Match': etag(siemVersion) });
    showSiem(null);
    notice('Queries are no longer sent to a SIEM.');
  } catch (error) {
    failed(error, 'Sending was not stopped');
  }
}

export async function showActivity() {
  await loadPickers();
  await searchActivity();
  try {
    await loadLogSettings();
    await loadSiem();
  } catch (error) {
    failed(error, "The log's settings could not be read");
  }
}

export function setUpActivity() {
  $('activity-action').append(...Object.entries(ACTIONS).map(([value, text]) => el('option', { value, text })));
  $('activity-range').addEventListener('change', () => { $('activity-between').hidden = $('activity-range').value !== 'custom'; });
  $('activity-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    pages.page = 0;
    searchActivity();
  });
  pages = pager('activity', SIZE, searchActivity);
  $('retention-form').addEventListener('submit', saveRetention);
  $('privacy-form').addEventListener('submit', savePrivacy);
  $('reidentify-form').addEventListener('submit', reIdentify);
  $('siem-form').addEventListener('submit', saveSiem);
  $('remove-siem').addEventListener('click', removeSiem);
  shapeWrites('activity');
  if (!state.access.privileged) {
    for (const button of document.querySelectorAll('#siem-settings .write')) button.disabled = true;
  }
}
