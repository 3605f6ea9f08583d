// Locations, Exceptions, Profile Groups and the category catalogue: each a list with an editor that writes through
// the account's API, the API's field errors shown beside their fields.
import { $, api, read, can, el, fill, lines, when, etag, notice, failed, showFieldErrors, clearFieldErrors, confirmed } from './core.js';

const canWrite = () => can('web-security:write');

/** A list-and-editor page: rows from GET {path}, the editor's fields read and shown by the page's own functions. */
function listPage({ path, idOf, noun, prefix, table, columns, empty, row, show, written }) {
  let editing = null;
  const form = $(`${prefix}-form`);
  const open = (item) => {
    editing = item;
    clearFieldErrors(prefix);
    form.hidden = false;
    $(`${prefix}-form-title`).textContent = item ? `${canWrite() ? 'Edit' : 'View'} ${item.name}` : `New ${noun}`;
    show(item);
    for (const field of form.querySelectorAll('input, textarea')) field.disabled = !canWrite();
    $(`${prefix}-form-title`).focus();
  };
  const close = () => {
    form.hidden = true;
    editing = null;
  };
  const load = async () => {
    const items = await (await api('GET', path)).json();
    items.sort((a, b) => a.name.localeCompare(b.name));
    fill(document.querySelector(`#${table} tbody`), items.map((item) => el('tr', {}, ...row(item),
      el('td', { className: 'row-actions' },
        el('button', { type: 'button', text: canWrite() ? 'Edit' : 'View', 'aria-label': `${canWrite() ? 'Edit' : 'View'} ${item.name}`,
          onclick: () => open(item) }),
        canWrite() ? el('button', { type: 'button', className: 'danger-outline', text: 'Delete', 'aria-label': `Delete ${item.name}`,
          onclick: () => remove(item) }) : null))), columns, empty);
  };
  const remove = async (item) => {
    if (!await confirmed(`Delete ${item.name}?`, `Policies that name this ${noun} no longer apply through it.`, `Delete ${noun}`)) return;
    try {
      await api('DELETE', `${path}/${idOf(item)}`, undefined, { 'If-Match': etag(item.version) });
      notice(`The ${noun} "${item.name}" was deleted.`);
      if (editing && idOf(editing) === idOf(item)) close();
      await load();
    } catch (error) {
      failed(error, `The ${noun} was not deleted`);
    }
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(prefix);
    try {
      const saved = await (editing
        ? await api('PUT', `${path}/${idOf(editing)}`, written(), { 'If-Match': etag(editing.version) })
        : await api('POST', path, written())).json();
      notice(`The ${noun} "${saved.name}" was saved.`);
      close();
      await load();
    } catch (error) {
      if (error.status === 412) {
        notice(`Someone changed this ${noun} meanwhile: read it again and make your change again.`, 'error');
        close();
        await load();
        return;
      }
      showFieldErrors(prefix, error);
      failed(error, `The ${noun} was not saved`);
    }
  });
  $(`cancel-${prefix}`).addEventListener('click', close);
  $(`new-${prefix}`).addEventListener('click', () => open(null));
  if (!canWrite()) $(`new-${prefix}`).disabled = true;
  return { load, open };
}

// --- Locations ------------------------------------------------------------------------------------------------------
let locations;
export function setUpLocations() {
  locations = listPage({
    path: 'locations', idOf: (l) => l.locationId, noun: 'location', prefix: 'location', table: 'location-table', columns: 4,
    empty: 'No location yet: queries are attributed to agents and users only.',
    row: (l) => [el('th', { scope: 'row', text: l.name }),
      el('td', {}, ...l.cidrs.map((cidr) => el('span', { className: 'chip', text: (l.pendingCidrs || []).includes(cidr) ? `${cidr} (pending approval)` : cidr }))),
      el('td', { text: when(l.updatedAt) })],
    show: (l) => {
      $('location-name').value = l?.name || '';
      $('location-cidrs').value = (l?.cidrs || []).join('\n');
    },
    written: () => ({ name: $('location-name').value.trim(), cidrs: lines($('location-cidrs').value) }),
  });
}
export const showLocations = () => locations.load();

// --- Profile groups -------------------------------------------------------------------------------------------------
let groups;
let directoryGroups = null; // null: not readable by this role
let directoryGroupsLoading = null; // the read under way, if any
export function setUpGroups() {
  groups = listPage({
    path: 'profile-groups', idOf: (g) => g.groupId, noun: 'profile group', prefix: 'group', table: 'group-table', columns: 5,
    empty: 'No profile group yet.',
    row: (g) => [el('th', { scope: 'row', text: g.name }), el('td', { text: String(g.members.length) }),
      el('td', { text: g.directoryGroups.join(', ') }), el('td', { text: when(g.updatedAt) })],
    show: function showGroup(g) {
      $('group-name').value = g?.name || '';
      $('group-members').value = (g?.members || []).join('\n');
      const chosen = g?.directoryGroups || [];
      const box = $('group-directory');
      if (directoryGroupsLoading) {
        // Opened before the directory's groups arrived: shown again once they have.
        box.replaceChildren(el('p', { className: 'meta', text: 'Reading the directory\'s groups…' }));
        directoryGroupsLoading.then(() => showGroup(g));
        return;
      }
      if (directoryGroups === null) {
        box.replaceChildren(el('p', { className: 'meta', text: chosen.length
          ? `${chosen.join(', ')} (your role may not list the directory's groups)` : 'Your role may not list the directory\'s groups.' }));
        box.dataset.kept = JSON.stringify(chosen);
        return;
      }
      const names = [...new Set([...directoryGroups.map((d) => d.name), ...chosen])].sort();
      box.replaceChildren(...names.map((name) => el('label', {},
        el('input', { type: 'checkbox', value: name, checked: chosen.includes(name) }), ` ${name}`)));
      if (names.length === 0) box.append(el('p', { className: 'meta', text: 'The directory has no group.' }));
    },
    written: () => ({
      name: $('group-name').value.trim(), members: lines($('group-members').value),
      directoryGroups: directoryGroups === null ? JSON.parse($('group-directory').dataset.kept || '[]')
        : [...$('group-directory').querySelectorAll('input:checked')].map((input) => input.value),
    }),
  });
}
export async function showGroups() {
  directoryGroups = null;
  if (can('directory-groups:read')) {
    directoryGroupsLoading = (async () => {
      try {
        directoryGroups = await (await api('GET', 'directory-groups')).json();
      } catch (error) {
        failed(error, 'The directory\'s groups could not be listed');
      } finally {
        directoryGroupsLoading = null;
      }
    })();
  }
  await Promise.all([directoryGroupsLoading, groups.load()]);
}

// --- Exceptions -----------------------------------------------------------------------------------------------------
let exceptionsVersion = null;
function showExceptions(view) {
  exceptionsVersion = view.version;
  $('exception-domains').value = view.domains.join('\n');
  $('exception-ranges').value = view.ipRanges.join('\n');
  $('exceptions-meta').textContent = view.updatedBy ? `Last changed by ${view.updatedBy} on ${when(view.updatedAt)}.` : '';
}
export async function loadExceptions() {
  clearFieldErrors('exceptions');
  showExceptions(await (await api('GET', 'exceptions')).json());
  for (const field of document.querySelectorAll('#exceptions-form textarea')) field.disabled = !canWrite();
}
export function setUpExceptions() {
  $('exceptions-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors('exceptions');
    try {
      const body = { domains: lines($('exception-domains').value), ipRanges: lines($('exception-ranges').value) };
      showExceptions(await (await api('PUT', 'exceptions', body, { 'If-Match': exceptionsVersion === null ? '*' : etag(exceptionsVersion) })).json());
      notice('Exceptions saved; resolvers apply them within seconds.');
    } catch (error) {
      if (error.status === 412) {
        notice('Someone changed the exceptions meanwhile: they are shown as they are now. Make your change again.', 'error');
        await loadExceptions();
        return;
      }
      showFieldErrors('exceptions', error);
      failed(error, 'The exceptions were not saved');
    }
  });
}

// --- Categories (the catalogue, read-only) --------------------------------------------------------------------------
export async function showCategories() {
  const catalogue = await (await read('/api/v1/categories')).json();
  $('category-list').replaceChildren(...catalogue.groups.map((group) => el('section', { className: 'category-group' },
    el('h2', { text: group.name }), el('p', { className: 'hint flush', text: group.description }),
    el('table', {}, el('caption', { className: 'visually-hidden', text: `Categories in ${group.name}` }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Category' }), el('th', { scope: 'col', text: 'Description' }),
        el('th', { scope: 'col', text: 'Security' }))),
      el('tbody', {}, ...group.categories.map((category) => el('tr', {}, el('th', { scope: 'row', text: category.name }),
        el('td', { text: category.description }), el('td', { text: category.security ? 'Yes' : '' }))))))));
}
