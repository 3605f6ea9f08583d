// Access requests: what users asked for from block pages, with their reasons; an administrator approves a time-boxed
// allow for that user (or device) only, or declines, and may end an approval early. settings-service decides and
// audits; dns-service enforces the approval until it ends.
import { $, api, el, fill, when, failed, notice, can, etag } from './core.js';

const DURATIONS = [['60', '1 hour'], ['480', '8 hours'], ['1440', '1 day'], ['10080', '1 week']];

function who(requester) {
  if (requester.userEmail) return requester.userEmail;
  if (requester.agentId) return `device ${requester.agentId}`;
  return `address ${requester.clientAddress}`;
}

function state(request) {
  switch (request.status) {
    case 'PENDING': return 'Waiting';
    case 'APPROVED': return `Allowed until ${when(request.allowUntil)}`;
    case 'EXPIRED': return `Ended ${when(request.allowUntil)}`;
    default: return request.allowUntil ? `Ended early ${when(request.allowUntil)}` : 'Declined';
  }
}

async function decide(request, verb, body) {
  try {
    await api('POST', `access-requests/${request.requestId}/${verb}`, body, { 'If-Match': etag(request.version) });
    notice(verb === 'approve' ? `${request.name} is allowed for ${who(request.requester)} (and nobody else) for the chosen time.`
      : `The request for ${request.name} is ${request.status === 'APPROVED' ? 'ended' : 'declined'}.`);
    await showAccessRequests();
  } catch (error) {
    failed(error, 'The decision was not saved');
  }
}

function actions(request) {
  const writable = can('web-security:write');
  if (request.status === 'PENDING') {
    const duration = el('select', { 'aria-label': `How long to allow ${request.name}`, disabled: !writable },
      ...DURATIONS.map(([minutes, label]) => el('option', { value: minutes, text: label })));
    return el('div', { className: 'row-actions' }, duration,
      el('button', { type: 'button', className: 'write primary', disabled: !writable, text: 'Approve',
        'aria-label': `Approve ${request.name} for ${who(request.requester)}`,
        onClick: () => decide(request, 'approve', { minutes: Number(duration.value) }) }),
      el('button', { type: 'button', className: 'write danger-outline', disabled: !writable, text: 'Decline',
        'aria-label': `Decline ${request.name} for ${who(request.requester)}`, onClick: () => decide(request, 'decline', {}) }));
  }
  if (request.status === 'APPROVED') {
    return el('button', { type: 'button', className: 'write', disabled: !writable, text: 'End now',
      'aria-label': `End the allow of ${request.name} for ${who(request.requester)}`, onClick: () => decide(request, 'decline', {}) });
  }
  return el('span', { className: 'meta', text: request.decidedBy ? `by ${request.decidedBy}` : '' });
}

export async function showAccessRequests() {
  try {
    const status = $('access-status').value;
    const requests = await (await api('GET', `access-requests?status=${encodeURIComponent(status)}`)).json();
    fill(document.querySelector('#access-table tbody'), requests.map((request) => el('tr', {},
      el('td', { text: when(request.requestedAt) }),
      el('th', { scope: 'row', text: request.name }),
      el('td', { text: who(request.requester) }),
      el('td', { className: 'reason', text: request.reason }),
      el('td', { text: request.policyName || '' }),
      el('td', { text: state(request) }),
      el('td', {}, actions(request)))), 7, status === 'pending' ? 'Nobody is waiting for a decision.' : 'No access requests.');
  } catch (error) {
    failed(error, 'The access requests could not be read');
  }
}

export function setUpAccessRequests() {
  $('access-status').addEventListener('change', showAccessRequests);
}
