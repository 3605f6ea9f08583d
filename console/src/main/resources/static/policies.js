// Policies: the list, an editor for every type with the API's field errors beside their fields, scope pickers
// (users, profile groups, locations), bulk import of a list file with its report, and the resolvers' explain.
import { $, state, api, read, can, el, fill, lines, when, etag, notice, failed, showFieldErrors, clearFieldErrors, confirmed } from './core.js';

const TYPES = {
  BLOCK_ALLOW_LIST: 'Block/Allow List', CATEGORY_FILTERING: 'Category Filtering',
  ADVANCED_SECURITY: 'Advanced Security', LOG_SETTINGS: 'Log Settings',
};
let editing = null; // the policy being edited (its view), or null for a new one
let groups = [];
let places = [];
let catalogue = { groups: [] };

const canWrite = () => can('gateway-policies:write');

function scopeText(scope) {
  if (scope.everyone) return 'Everyone';
  const parts = [];
  if (scope.users?.length) parts.push(`${scope.users.length === 1 ? scope.users[0] : `${scope.users.length} users`}`);
  for (const id of scope.profileGroups || []) parts.push(`group ${groups.find((g) => g.groupId === id)?.name || id}`);
  for (const id of scope.locations || []) parts.push(`location ${places.find((l) => l.locationId === id)?.name || id}`);
  return parts.join(', ');
}

function typeText(policy) {
  if (policy.type !== 'BLOCK_ALLOW_LIST') return TYPES[policy.type] || policy.type;
  return `${TYPES.BLOCK_ALLOW_LIST} (${policy.blockedCount ?? 0} blocked, ${policy.allowedCount ?? 0} allowed)`;
}

async function loadList() {
  const policies = await (await api('GET', 'policies')).json();
  policies.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  fill(document.querySelector('#policy-table tbody'), policies.map((policy) => el('tr', {},
    el('th', { scope: 'row', text: policy.name }),
    el('td', { text: typeText(policy) }),
    el('td', { text: scopeText(policy.scope) }),
    el('td', { text: String(policy.priority) }),
    el('td', { text: policy.enabled ? 'Yes' : 'No' }),
    el('td', { text: when(policy.updatedAt) }),
    el('td', { className: 'row-actions' },
      el('button', { type: 'button', text: canWrite() ? 'Edit' : 'View', 'aria-label': `${canWrite() ? 'Edit' : 'View'} ${policy.name}`,
        onclick: () => edit(policy.policyId) }),
      canWrite() ? el('button', { type: 'button', className: 'danger-outline', text: 'Delete', 'aria-label': `Delete ${policy.name}`,
        onclick: () => remove(policy) }) : null))), 7, 'No policy yet: every query is resolved as it is, and logged.');
}

async function loadPickers() {
  const [groupAnswer, locationAnswer, catalogueAnswer] = await Promise.allSettled([
    api('GET', 'profile-groups').then((r) => r.json()), api('GET', 'locations').then((r) => r.json()),
    read('/api/v1/categories').then((r) => r.json())]);
  groups = groupAnswer.status === 'fulfilled' ? groupAnswer.value : [];
  places = locationAnswer.status === 'fulfilled' ? locationAnswer.value : [];
  catalogue = catalogueAnswer.status === 'fulfilled' ? catalogueAnswer.value : { groups: [] };
  $('explain-location').replaceChildren(el('option', { value: '', text: '(any)' }),
    ...places.map((place) => el('option', { value: place.locationId, text: place.name })));
}

export async function showPolicies() {
  await loadPickers();
  await loadList();
}

// --- the editor -----------------------------------------------------------------------------------------------------
function choices(container, items, idOf, nameOf, chosen, prefix, empty) {
  container.replaceChildren(...items.map((item) => el('label', {},
    el('input', { type: 'checkbox', value: idOf(item), id: `${prefix}-${idOf(item)}`, checked: chosen.includes(idOf(item)) }),
    ` ${nameOf(item)}`)));
  if (items.length === 0) container.append(el('p', { className: 'meta', text: empty }));
}

function categoryRows(filtering) {
  const chosen = new Map((filtering?.groups || []).map((g) => [g.groupId, g]));
  $('policy-groups').replaceChildren(...catalogue.groups.map((group) => {
    const selection = chosen.get(group.groupId) || { mode: 'NONE', categories: [] };
    const mode = el('select', { id: `mode-${group.groupId}`, 'aria-label': `${group.name}: which categories` },
      ...[['NONE', 'None'], ['ALL', 'All'], ['CUSTOM', 'Chosen']].map(([value, text]) =>
        el('option', { value, text, selected: selection.mode === value })));
    const list = el('div', { className: 'choices', id: `categories-${group.groupId}`, hidden: selection.mode !== 'CUSTOM' },
      ...group.categories.map((category) => el('label', {},
        el('input', { type: 'checkbox', value: category.categoryId, checked: (selection.categories || []).includes(category.categoryId) }),
        ` ${category.name}`)));
    mode.addEventListener('change', () => { list.hidden = mode.value !== 'CUSTOM'; });
    return el('fieldset', { className: 'category-group' }, el('legend', { text: group.name }),
      el('p', { className: 'hint flush', text: group.description }), mode, list);
  }));
}

function showType(type) {
  for (const payload of document.querySelectorAll('#policy-form .payload')) payload.hidden = payload.dataset.type !== type;
}

function showScope(everyone) {
  $('scope-everyone').checked = everyone;
  $('scope-some').checked = !everyone;
  $('scope-targets').hidden = everyone;
}

function openEditor(policy) {
  editing = policy;
  clearFieldErrors('policy');
  $('policy-preview').replaceChildren();
  const form = $('policy-form');
  form.hidden = false;
  $('policy-form-title').textContent = policy ? `${canWrite() ? 'Edit' : 'View'} ${policy.name}` : 'New policy';
  $('policy-name').value = policy?.name || '';
  $('policy-type').value = policy?.type || 'BLOCK_ALLOW_LIST';
  $('policy-type').disabled = Boolean(policy);
  $('policy-priority').value = policy?.priority ?? 100;
  $('policy-enabled').checked = policy ? policy.enabled : true;
  const scope = policy?.scope || { everyone: true };
  showScope(Boolean(scope.everyone));
  $('scope-users').value = (scope.users || []).join('\n');
  choices($('scope-groups'), groups, (g) => g.groupId, (g) => g.name, scope.profileGroups || [], 'scope-group',
    can('profile-groups:read') || can('directory-groups:read') ? 'No profile group yet.' : 'Your role may not read profile groups.');
  choices($('scope-locations'), places, (l) => l.locationId, (l) => l.name, scope.locations || [], 'scope-location', 'No location yet.');
  $('policy-blocked').value = (policy?.blockAllowList?.blocked || []).join('\n');
  $('policy-allowed').value = (policy?.blockAllowList?.allowed || []).join('\n');
  $('policy-list-note').hidden = true;
  $('policy-action').value = policy?.categoryFiltering?.action || 'BLOCK';
  categoryRows(policy?.categoryFiltering);
  $('policy-safesearch').checked = Boolean(policy?.advancedSecurity?.enforceSafeSearch);
  $('policy-anonymizers').checked = Boolean(policy?.advancedSecurity?.blockAnonymizers);
  $('policy-tunnels').checked = Boolean(policy?.advancedSecurity?.blockDetectedTunnels);
  $('policy-log-mode').value = policy?.logSettings?.mode || 'EVERYTHING';
  showType($('policy-type').value);
  for (const field of form.querySelectorAll('input, select, textarea')) {
    if (field.id !== 'policy-type') field.disabled = !canWrite();
  }
  $('policy-import').hidden = !(policy && policy.type === 'BLOCK_ALLOW_LIST' && canWrite());
  $('import-report').replaceChildren();
  $('policy-form-title').focus();
}

async function edit(policyId) {
  try {
    openEditor(await (await api('GET', `policies/${policyId}`)).json());
  } catch (error) {
    failed(error, 'The policy could not be read');
  }
}

function closeEditor() {
  $('policy-form').hidden = true;
  $('policy-import').hidden = true;
  editing = null;
  $('new-policy').focus();
}

function written() {
  const type = $('policy-type').value;
  const everyone = $('scope-everyone').checked;
  const checked = (container) => [...container.querySelectorAll('input:checked')].map((input) => input.value);
  const body = {
    name: $('policy-name').value.trim(),
    type,
    priority: $('policy-priority').value === '' ? null : Number($('policy-priority').value),
    enabled: $('policy-enabled').checked,
    scope: everyone ? { everyone: true } : {
      everyone: false, users: lines($('scope-users').value),
      profileGroups: checked($('scope-groups')), locations: checked($('scope-locations')),
    },
  };
  if (type === 'BLOCK_ALLOW_LIST') {
    body.blockAllowList = { blocked: lines($('policy-blocked').value), allowed: lines($('policy-allowed').value) };
  } else if (type === 'CATEGORY_FILTERING') {
    body.categoryFiltering = {
      action: $('policy-action').value,
      groups: catalogue.groups.map((group) => ({
        groupId: group.groupId, mode: $(`mode-${group.groupId}`).value,
        categories: $(`mode-${group.groupId}`).value === 'CUSTOM' ? checked($(`categories-${group.groupId}`)) : [],
      })).filter((selection) => selection.mode !== 'NONE'),
    };
  } else if (type === 'ADVANCED_SECURITY') {
    body.advancedSecurity = {
      enforceSafeSearch: $('policy-safesearch').checked,
      blockAnonymizers: $('policy-anonymizers').checked,
      blockDetectedTunnels: $('policy-tunnels').checked,
    };
  } else {
    body.logSettings = { mode: $('policy-log-mode').value };
  }
  return body;
}

async function save(event) {
  event.preventDefault();
  clearFieldErrors('policy');
  try {
    const response = editing
      ? await api('PUT', `policies/${editing.policyId}`, written(), { 'If-Match': etag(editing.version) })
      : await api('POST', 'policies', written());
    const saved = await response.json();
    const warnings = (saved.warnings || []).map((w) => `${w.field}: ${w.reason}`).join(' ');
    notice(`Policy "${saved.name}" saved; resolvers enforce it within seconds.${warnings ? ` Note: ${warnings}` : ''}`);
    await loadList();
    if (!editing && saved.type === 'BLOCK_ALLOW_LIST') {
      openEditor(saved); // stays open: a list file can now be imported into it
    } else {
      closeEditor();
    }
  } catch (error) {
    if (error.status === 412) {
      notice('Someone changed this policy meanwhile: it is shown as it is now. Make your change again.', 'error');
      await edit(editing.policyId);
      return;
    }
    showFieldErrors('policy', error);
    failed(error, 'The policy was not saved');
  }
}

// --- preview: the change replayed over the last 7 days of the query log by the resolvers' own decisions ------------------
function previewReport(answer) {
  const placeName = (id) => places.find((l) => l.locationId === id)?.name || id;
  const counted = (title, entries, name = (key) => key) => (entries.length ? el('details', {}, el('summary', { text: title }),
    el('ul', {}, ...entries.map((entry) => el('li', { text: `${name(entry.key)}: ${entry.queries} queries` })))) : null);
  const change = (verb, c) => el('p', { className: `preview-${verb}`, text: `Would have ${verb} ${c.queries} queries to ${c.names} names `
    + `from ${c.users} users and ${c.devices} devices at ${c.locations} locations.` });
  const parts = [
    el('p', { text: `Replayed ${answer.tuples} distinct name, user, device and location tuples standing for ${answer.queries} queries `
      + `(${answer.from.slice(0, 10)} to ${answer.to.slice(0, 10)}).${answer.truncated ? ' The rarest were left out.' : ''}` }),
  ];
  if (answer.changedQueries === 0 && answer.loggingChanges.length === 0) {
    parts.push(el('p', { className: 'preview-none', text: 'This change would not have changed the outcome of any of these queries.' }));
  }
  for (const [verb, c] of [['blocked', answer.wouldBlock], ['warned', answer.wouldWarn], ['allowed', answer.wouldAllow]]) {
    if (c.queries > 0) {
      parts.push(change(verb, c), counted(`Names ${verb}`, c.topNames), counted(`Users ${verb}`, c.topUsers),
        counted(`Devices ${verb}`, c.topDevices), counted(`Locations ${verb}`, c.topLocations, placeName));
    }
  }
  for (const move of answer.loggingChanges) {
    parts.push(el('p', { text: `${move.queries} queries now ${move.from} would be ${move.to}.` }));
  }
  if (answer.pseudonymousTuples > 0) {
    parts.push(el('p', { className: 'meta', text: `${answer.pseudonymousTuples} tuples have pseudonymous users: replayed as unknown users.` }));
  }
  $('policy-preview').replaceChildren(el('h3', { text: 'Preview' }), ...parts.filter(Boolean));
}

async function preview() {
  clearFieldErrors('policy');
  $('policy-preview').replaceChildren(el('p', { text: 'Replaying the last 7 days…' }));
  try {
    const response = editing ? await api('POST', `policies/${editing.policyId}/preview`, written())
      : await api('POST', 'policies/preview', written());
    previewReport(await response.json());
  } catch (error) {
    $('policy-preview').replaceChildren();
    showFieldErrors('policy', error);
    failed(error, 'The change could not be previewed');
  }
}

async function remove(policy) {
  if (!await confirmed(`Delete ${policy.name}?`, 'Queries it decided are decided by the next policy that applies, within seconds.', 'Delete policy')) return;
  try {
    await api('DELETE', `policies/${policy.policyId}`, undefined, { 'If-Match': etag(policy.version) });
    notice(`Policy "${policy.name}" deleted.`);
    if (editing?.policyId === policy.policyId) closeEditor();
    await loadList();
  } catch (error) {
    failed(error, 'The policy was not deleted');
  }
}

// --- bulk import: the file goes as it is, the service reports what it kept and every line it did not -----------------
function importReport(report) {
  const listed = (title, entries, count, truncated) => (count ? el('details', {}, el('summary', { text: `${title}: ${count}` }),
    el('ul', {}, ...entries.map((entry) => el('li', { text: `line ${entry.line}: ${entry.text} (${entry.reason})` }))),
    truncated ? el('p', { className: 'meta', text: 'The first 1 000 are shown.' }) : null) : null);
  $('import-report').replaceChildren(...[
    el('p', { text: `${report.linesRead} lines read: ${report.domainsAccepted} domains kept, ${report.duplicates} duplicates, `
      + `${report.rejectedCount} refused, ${report.skippedCount} skipped, ${report.ignoredLines} blank or comments.` }),
    listed('Refused lines', report.rejected, report.rejectedCount, report.rejectedTruncated),
    listed('Skipped lines', report.skipped, report.skippedCount, false),
    listed('Kept with a warning', report.warnings, report.warningCount, false)].filter(Boolean));
}

function startImport() {
  const file = $('import-file').files[0];
  if (!file || !editing) {
    $('import-report').replaceChildren(el('p', { className: 'error', text: 'Choose a file first.' }));
    return;
  }
  // XMLHttpRequest, not fetch: it reports the upload's progress.
  const request = new XMLHttpRequest();
  const query = `list=${encodeURIComponent($('import-list').value)}&mode=${encodeURIComponent($('import-mode').value)}`;
  request.open('POST', `/api/v1/accounts/${state.session.account}/policies/${editing.policyId}/domains?${query}`);
  request.setRequestHeader('Content-Type', 'text/plain');
  request.setRequestHeader('Accept', 'application/json');
  request.setRequestHeader(state.session.csrfHeader, state.session.csrfToken);
  const progress = $('import-progress');
  progress.hidden = false;
  progress.value = 0;
  $('start-import').disabled = true;
  request.upload.addEventListener('progress', (event) => {
    if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
  });
  request.addEventListener('loadend', async () => {
    $('start-import').disabled = false;
    progress.hidden = true;
    let body = null;
    try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status >= 200 && request.status < 300) {
      importReport(body);
      notice(`Imported ${file.name}: ${body.domainsAccepted} domains kept.`);
      await loadList();
      await edit(editing.policyId);
      importReport(body);
    } else {
      $('import-report').replaceChildren(el('p', { className: 'error', role: 'alert',
        text: `The file was not imported: ${body?.detail || body?.title || `HTTP ${request.status}`}` }));
    }
  });
  request.send(file);
}

// --- explain ------------------------------------------------------------------------------------------------------
async function explain(event) {
  event.preventDefault();
  const name = $('explain-name').value.trim();
  const query = new URLSearchParams({ name });
  if ($('explain-user').value.trim()) query.set('user', $('explain-user').value.trim());
  if ($('explain-location').value) query.set('location', $('explain-location').value);
  const result = $('explain-result');
  try {
    const answer = await (await api('GET', `dns/explain?${query}`)).json();
    const rows = [
      ['Outcome', `${answer.action} (${answer.reason})`],
      ['Decided by', answer.policyName ? `${answer.policyName}, through ${answer.appliedVia}` : 'No policy'],
      ['Matched', answer.matchedDomain || ''],
      ['Categories', (answer.categories || []).join(', ') || 'None'],
      ['Logged', answer.logged ? `Yes (${answer.logMode})` : `No (${answer.logMode})`],
      ['Note', answer.note],
    ];
    result.replaceChildren(el('h3', { text: answer.name }),
      el('dl', { className: 'explained' }, ...rows.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })])));
  } catch (error) {
    result.replaceChildren(el('p', { className: 'error', role: 'alert', text: `Not explained: ${error.message}` }));
  }
}

export function setUpPolicies() {
  $('new-policy').addEventListener('click', () => openEditor(null));
  $('cancel-policy').addEventListener('click', closeEditor);
  $('preview-policy').addEventListener('click', preview);
  $('policy-form').addEventListener('submit', save);
  $('policy-type').addEventListener('change', () => showType($('policy-type').value));
  $('scope-everyone').addEventListener('change', () => showScope(true));
  $('scope-some').addEventListener('change', () => showScope(false));
  $('start-import').addEventListener('click', startImport);
  $('explain-form').addEventListener('submit', explain);
  if (!canWrite()) $('new-policy').disabled = true;
}
