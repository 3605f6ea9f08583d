// What every page of the console shares: the session, API calls through the console's server (which adds the
// administrator's token; the browser never holds one), notices, field errors beside their fields, and a
// confirmation dialog. The services decide what each role may do; the pages only show what they say.

export const $ = (id) => document.getElementById(id);

/** Who is signed in (GET /console/session) and what the services say the role may do (GET access). */
export const state = { session: null, access: { privileged: false, permissions: [] } };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

function headersFor(method, body, headers) {
  const all = { Accept: 'application/json', ...headers };
  if (method !== 'GET') all[state.session.csrfHeader] = state.session.csrfToken;
  if (body !== undefined && !all['Content-Type']) all['Content-Type'] = 'application/json';
  return all;
}

async function answered(response) {
  if (response.status === 401) {
    location.reload(); // the session ended: sign in again
    throw new ApiError(401, { detail: 'Signed out' });
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not a problem document */ }
    throw new ApiError(response.status, problem);
  }
  return response;
}

/** A call to the account's API, /api/v1/accounts/{account}/{path}; a refusal is thrown as an ApiError. */
export async function api(method, path, body, headers = {}) {
  const init = { method, credentials: 'same-origin', headers: headersFor(method, body, headers) };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return answered(await fetch(`/api/v1/accounts/${state.session.account}/${path}`, init));
}

/** A read of an API path that is not the account's (the category catalogue). */
export async function read(path) {
  return answered(await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

export const can = (permission) => state.access.permissions.includes(permission);

export function notice(text, kind = 'info') {
  const element = $('notice');
  element.textContent = text;
  element.dataset.kind = kind;
}

export function failed(error, what) {
  if (error.status === 403) {
    notice(`${what}: your role does not allow this (${error.message}).`, 'error');
  } else {
    notice(`${what}: ${error.message}`, 'error');
  }
}

export function when(instant) {
  return instant ? new Date(instant).toLocaleString() : '';
}

/** An element with attributes, properties (text, className, on*) and children. */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'className') element.className = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

/** The non-blank lines of a text area, trimmed. */
export const lines = (text) => text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);

/** A table body's rows, or one row saying there is nothing. */
export function fill(tbody, rows, columns, empty) {
  tbody.replaceChildren(...rows);
  if (rows.length === 0) tbody.append(el('tr', {}, el('td', { colspan: columns, text: empty })));
}

/**
 * The API's field errors (a 400's "errors": [{field, reason}]) beside the fields they concern: the error element
 * `${prefix}-${field}-error` for the longest field path that has one ("scope.users[2]" shows at "scope.users", then
 * "scope"); what concerns no field goes to `${prefix}-form-error`. Returns whether any field error was shown.
 */
export function showFieldErrors(prefix, error) {
  clearFieldErrors(prefix);
  const errors = error.problem?.errors || [];
  for (const fieldError of errors) {
    let path = fieldError.field || '';
    let target = null;
    while (path && !(target = $(`${prefix}-${path}-error`))) {
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      path = cut > 0 ? path.slice(0, cut) : '';
    }
    target = target || $(`${prefix}-form-error`);
    if (!target) continue; // the page's notice says it too
    const text = fieldError.field && !target.id.includes(fieldError.field) ? `${fieldError.field}: ${fieldError.reason}` : fieldError.reason;
    target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
  }
  if (errors.length === 0 && $(`${prefix}-form-error`)) $(`${prefix}-form-error`).textContent = error.message;
  return errors.length > 0;
}

export function clearFieldErrors(prefix) {
  for (const element of document.querySelectorAll(`[id^="${prefix}-"][id$="-error"]`)) element.textContent = '';
}

/** Asks in the confirmation dialog; resolves true when confirmed. Focus returns to what opened it. */
export function confirmed(title, text, action) {
  const dialog = $('confirm-dialog');
  const opener = document.activeElement;
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      opener?.focus();
      resolve(dialog.returnValue === 'confirm');
    }, { once: true });
  });
}

/** The ETag for a version the API returned (If-Match). */
export const etag = (version) => `"v${version}"`;

/** Every write button of a page off when the role may not write (the API refuses anyway). */
export function shapeWrites(page, permission = 'web-security:write') {
  if (can(permission)) return;
  for (const button of document.querySelectorAll(`#${page} .write`)) button.disabled = true;
}

/**
 * A paged list's position and its Previous and Next buttons (`${prefix}-position`, `-previous`, `-next`): the buttons
 * move `page` (from 0) and call `load`, which shows the page and then `show(total)`.
 */
export function pager(prefix, size, load) {
  const pages = {
    page: 0,
    size,
    show(total, suffix = '') {
      const first = total === 0 ? 0 : pages.page * size + 1;
      $(`${prefix}-position`).textContent = `${first}–${Math.min((pages.page + 1) * size, total)} of ${total}${suffix}`;
      $(`${prefix}-previous`).disabled = pages.page === 0;
      $(`${prefix}-next`).disabled = (pages.page + 1) * size >= total;
    },
  };
  $(`${prefix}-previous`).addEventListener('click', () => { pages.page = Math.max(0, pages.page - 1); load(); });
  $(`${prefix}-next`).addEventListener('click', () => { pages.page += 1; load(); });
  return pages;
}
