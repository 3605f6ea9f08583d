// The Administration Console's pages. Every call goes to this origin: /console/session for who is signed in and the
// CSRF token, /api/v1/accounts/{account}/... relayed by the console's server to the services with the administrator's
// token (the browser never holds one). The services decide what each role may do; the pages only show what they say.
import { $, state, api, read, el, fill, pager, notice, failed, when } from './core.js';
import { setUpPolicies, showPolicies } from './policies.js';
import { setUpLocations, showLocations, setUpGroups, showGroups, setUpExceptions, loadExceptions, showCategories } from './places.js';
import { setUpDevices, showDevices } from './devices.js';
import { setUpReports, showReports, stopLive } from './reports.js';
import { setUpAudit, showAudit } from './audit.js';
import { setUpActivity, showActivity } from './activity.js';
import { setUpAccessRequests, showAccessRequests } from './access.js';

let settingsEtag = null;

// --- tabs (WAI-ARIA tabs pattern: arrow keys move between tabs) ---------------------------------------------------
function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute('aria-controls')).hidden = !selected;
    }
    tab.focus();
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
        const step = event.key === 'ArrowRight' ? 1 : tabs.length - 1;
        select(tabs[(index + step) % tabs.length]);
        event.preventDefault();
      }
    });
  });
}

// --- Settings ---------------------------------------------------------------------------------------------------
const SWITCHES = ['userAuthentication', 'enforceUserAuthentication', 'manageUpdates'];

function showSettings(settings) {
  for (const name of SWITCHES) {
    $(name).checked = settings[name];
    $(`${name}-error`).textContent = '';
  }
  $('settings-meta').textContent = settings.updatedBy
    ? `Last changed by ${settings.updatedBy} on ${when(settings.updatedAt)}.` : 'The defaults: nobody has changed them yet.';
}

async function loadSettings() {
  const response = await api('GET', 'agent-settings');
  settingsEtag = response.headers.get('ETag');
  showSettings(await response.json());
}

async function saveSettings(event) {
  event.preventDefault();
  const body = Object.fromEntries(SWITCHES.map((name) => [name, $(name).checked]));
  try {
    const response = await api('PUT', 'agent-settings', body, settingsEtag ? { 'If-Match': settingsEtag } : {});
    settingsEtag = response.headers.get('ETag');
    showSettings(await response.json());
    notice('Agent settings saved. Agents receive them within seconds.');
  } catch (error) {
    if (error.status === 412) {
      notice('Someone changed the settings meanwhile: they are shown as they are now. Make your change again.', 'error');
      await loadSettings();
      return;
    }
    for (const fieldError of error.problem.errors || []) {
      const element = $(`${fieldError.field}-error`);
      if (element) element.textContent = fieldError.reason;
    }
    failed(error, 'The settings were not saved');
  }
}

// --- Tamper Protection --------------------------------------------------------------------------------------------
const revealed = { current: false, previous: false };

function showTamper(view) {
  const hasCurrent = Boolean(view.currentPassword);
  $('current-password').textContent = hasCurrent ? view.currentPassword : 'Not generated yet';
  $('previous-password').textContent = view.previousPassword || 'None';
  const canWrite = state.access.permissions.includes('web-security:write');
  $('reveal-current').disabled = !hasCurrent || !canWrite;
  $('copy-current').disabled = !hasCurrent || !canWrite;
  $('reveal-previous').disabled = !view.previousPassword || !canWrite;
  $('reveal-current').setAttribute('aria-pressed', String(view.revealed && revealed.current));
  $('reveal-previous').setAttribute('aria-pressed', String(view.revealed && revealed.previous));
  $('tamper-meta').textContent = view.generatedAt ? `Generated on ${when(view.generatedAt)}.` : '';
}

async function loadTamper(reveal = false) {
  const response = await api('GET', `tamper-protection${reveal ? '?reveal=true' : ''}`);
  return response.json();
}

async function toggleReveal(which) {
  try {
    revealed[which] = !revealed[which];
    if (!revealed[which]) {
      const masked = await loadTamper(false);
      if (revealed.current || revealed.previous) {
        const shown = await loadTamper(true);
        masked.currentPassword = revealed.current ? shown.currentPassword : masked.currentPassword;
        masked.previousPassword = revealed.previous ? shown.previousPassword : masked.previousPassword;
        masked.revealed = true;
      }
      showTamper(masked);
      return;
    }
    const shown = await loadTamper(true); // each reveal is audited by settings-service
    const view = { ...shown };
    const masked = await loadTamper(false);
    if (!revealed.current) view.currentPassword = masked.currentPassword;
    if (!revealed.previous) view.previousPassword = masked.previousPassword;
    showTamper(view);
  } catch (error) {
    revealed[which] = false;
    failed(error, 'The password could not be shown');
  }
}

async function copyCurrentPassword() {
  try {
    const shown = await loadTamper(true);
    await navigator.clipboard.writeText(shown.currentPassword);
    notice('The current tamper-protection password is on the clipboard.');
  } catch (error) {
    failed(error, 'The password could not be copied');
  }
}

async function generatePassword() {
  try {
    const response = await api('POST', 'tamper-protection/password');
    revealed.current = false;
    revealed.previous = false;
    showTamper(await response.json());
    notice('A new tamper-protection password was generated; the old one is now the previous password.');
  } catch (error) {
    failed(error, 'No password was generated');
  }
}

// --- Installation -------------------------------------------------------------------------------------------------
let key = null;

function showKey(view) {
  key = view && view.status === 'ACTIVE' ? view : null;
  $('key').textContent = key ? key.key : 'No key yet: create one.';
  $('key-meta').textContent = key ? `Region ${key.region}, created by ${key.issuedBy || 'an administrator'} on ${when(key.issuedAt)}.` : '';
  const canWrite = state.access.permissions.includes('web-security:write');
  $('create-key').disabled = Boolean(key) || !canWrite;
  for (const id of ['copy-key', 'download-key', 'delete-key']) $(id).disabled = !key || !canWrite;
}

async function loadKey() {
  try {
    showKey(await (await api('GET', 'key')).json());
  } catch (error) {
    if (error.status === 404) {
      showKey(null);
    } else {
      throw error;
    }
  }
}

// Tens of thousands of agents: key-service pages them, newest enrolment first.
let agentPages;

async function loadAgents() {
  const response = await api('GET', `agents?page=${agentPages.page}&size=${agentPages.size}`);
  const agents = await response.json();
  const total = Number(response.headers.get('X-Total-Count') || agents.length);
  if (agents.length === 0 && agentPages.page > 0 && total > 0) { // the list shrank below this page
    agentPages.page = Math.floor((total - 1) / agentPages.size);
    await loadAgents();
    return;
  }
  fill(document.querySelector('#agents tbody'), agents.map((agent) => el('tr', {},
    ...[agent.hostname, `${agent.osName} ${agent.osVersion}`, agent.agentVersion, when(agent.enrolledAt),
      agent.status === 'ACTIVE' ? 'Active' : `Stopped (${agent.reason || 'revoked'})`].map((text) => el('td', { text })))),
  5, 'No agent has enrolled yet.');
  agentPages.show(total, ', newest first');
}

async function createKey() {
  try {
    showKey(await (await api('POST', 'key', {})).json());
    notice('The key was created. Download it and give it to the agent on each device.');
  } catch (error) {
    failed(error, 'No key was created');
  }
}

async function copyKey() {
  try {
    const shown = await (await api('GET', 'key?reveal=true')).json();
    await navigator.clipboard.writeText(shown.key);
    notice('The key is on the clipboard.');
  } catch (error) {
    failed(error, 'The key could not be copied');
  }
}

async function downloadKey() {
  try {
    const text = await (await api('GET', 'key/file', undefined, { Accept: 'text/plain' })).arrayBuffer();
    // Octet-stream, so that the browser keeps the name CustomerKey (a text/plain blob would become CustomerKey.txt).
    const blob = new Blob([text], { type: 'application/octet-stream' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'CustomerKey';
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(link.href);
    notice('CustomerKey downloaded.');
  } catch (error) {
    failed(error, 'The key could not be downloaded');
  }
}

function askToDeleteKey() {
  const dialog = $('delete-dialog');
  dialog.returnValue = '';
  dialog.showModal();
}

async function deleteKeyIfConfirmed() {
  const dialog = $('delete-dialog');
  $('delete-key').focus();
  if (dialog.returnValue !== 'delete') {
    return;
  }
  try {
    await api('DELETE', 'key?confirm=true');
    showKey(null);
    await loadAgents();
    notice('The key was deleted. Agents enrolled with it stop until they are enrolled with a new key.');
  } catch (error) {
    failed(error, 'The key was not deleted');
  }
}

// --- what the role may do (the services' own answer, GET access; they still refuse whatever is not allowed) --------
function shapeForRole(granted) {
  state.access = granted;
  const canWrite = granted.permissions.includes('web-security:write');
  if (!canWrite) {
    // Read-only: every change, reveal, copy and download needs web-security:write.
    for (const id of ['save-settings', 'generate-password', 'create-key']) $(id).disabled = true;
    for (const name of SWITCHES) $(name).disabled = true;
    $('read-only').hidden = false;
  }
  if (!granted.privileged) {
    // Deleting the key stops every agent: only Super, Full and Partner Administrators may.
    $('delete-key').hidden = true;
    $('delete-key-note').hidden = false;
  }
}

// --- the account acted in: a Partner Administrator's own or one it manages (the services check which it may) -------
const CHOSEN_ACCOUNT = 'parapet.console.account';

function chooseAccount(session) {
  session.home = session.account;
  const chosen = sessionStorage.getItem(CHOSEN_ACCOUNT);
  if (chosen && (session.managedAccounts || []).includes(chosen)) session.account = chosen;
}

/** The switch between the partner's own account and those it manages, named as settings-service lists them. */
async function offerAccounts(session) {
  const managed = session.managedAccounts || [];
  if (!session.home) return;
  let named = [];
  if (managed.length > 0) {
    try {
      named = await (await read(`/api/v1/accounts/${session.home}/managed-accounts`)).json();
    } catch { /* the ids alone still switch */ }
  }
  const nameOf = (id) => named.find((account) => account.accountId === id)?.name;
  const select = $('account-switch');
  select.replaceChildren(el('option', { value: session.home, text: 'Your account' }),
    ...managed.map((id) => el('option', { value: id, text: nameOf(id) || id })));
  select.value = session.account;
  $('account-switch-label').hidden = managed.length === 0;
  if (session.account !== session.home) {
    const acting = $('acting');
    acting.textContent = `You are acting in ${nameOf(session.account) || session.account}, an account your organisation manages.`;
    acting.hidden = false;
  }
  select.addEventListener('change', () => {
    if (select.value === session.home) sessionStorage.removeItem(CHOSEN_ACCOUNT);
    else sessionStorage.setItem(CHOSEN_ACCOUNT, select.value);
    location.reload(); // every page and what the role may do read afresh for that account
  });
}

// --- start ----------------------------------------------------------------------------------------------------------
async function start() {
  const response = await fetch('/console/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) {
    location.assign('/oauth2/authorization/parapet');
    return;
  }
  state.session = await response.json();
  const session = state.session;
  chooseAccount(session);
  $('who').textContent = `${session.name || session.email} · ${session.role || 'no role'} · account ${session.account || 'none'}`;
  $('sign-out-csrf').value = session.csrfToken;
  setUpTabs();
  $('settings-form').addEventListener('submit', saveSettings);
  $('reveal-current').addEventListener('click', () => toggleReveal('current'));
  $('reveal-previous').addEventListener('click', () => toggleReveal('previous'));
  $('copy-current').addEventListener('click', copyCurrentPassword);
  $('generate-password').addEventListener('click', generatePassword);
  $('create-key').addEventListener('click', createKey);
  $('copy-key').addEventListener('click', copyKey);
  $('download-key').addEventListener('click', downloadKey);
  $('delete-key').addEventListener('click', askToDeleteKey);
  agentPages = pager('agents', 50, () => loadAgents().catch((e) => failed(e, 'The agents could not be read')));
  $('delete-dialog').addEventListener('close', deleteKeyIfConfirmed);
  if (!session.account) {
    notice('Your sign-in names no account: ask the identity provider\'s administrator to give you one.', 'error');
    return;
  }
  await offerAccounts(session);
  try {
    shapeForRole(await (await api('GET', 'access')).json());
  } catch (error) {
    failed(error, 'Your access to this account could not be read');
    return;
  }
  setUpPolicies();
  setUpLocations();
  setUpGroups();
  setUpExceptions();
  setUpDevices();
  setUpReports();
  setUpAudit();
  setUpActivity();
  setUpAccessRequests();
  window.addEventListener('hashchange', () => route(true));
  await route(false);
}

// --- pages: one per fragment (#policies), each loaded afresh when it is shown ---------------------------------------
async function showAgentSettings() {
  const results = await Promise.allSettled([loadSettings(), loadTamper(false).then(showTamper), loadKey(), loadAgents()]);
  const refused = results.find((result) => result.status === 'rejected');
  if (refused) throw refused.reason;
}

const PAGES = {
  'agent-settings': showAgentSettings, policies: showPolicies, locations: showLocations, exceptions: loadExceptions,
  'profile-groups': showGroups, categories: showCategories, 'access-requests': showAccessRequests, devices: showDevices,
  reports: showReports, activity: showActivity, audit: showAudit,
};

async function route(moved) {
  const wanted = location.hash.slice(1);
  const page = Object.hasOwn(PAGES, wanted) ? wanted : 'agent-settings';
  for (const section of document.querySelectorAll('main > .page')) section.hidden = section.id !== page;
  if (page !== 'reports') stopLive();
  for (const link of document.querySelectorAll('nav a[href^="#"]')) {
    if (link.getAttribute('href') === `#${page}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const title = document.querySelector(`#${page} h1`);
  document.title = `${title.textContent} · Parapet Administration Console`;
  if (moved) {
    notice('');
    title.focus(); // a screen reader hears where it arrived
  }
  try {
    await PAGES[page]();
  } catch (error) {
    failed(error, 'Part of this page could not be loaded');
  }
}

start();
