// Devices: the protected-device inventory with its health findings, paged and filtered by diagnostics-service
// (the page never holds more than one page of devices, however many the account has).
import { $, api, el, fill, pager, when, failed } from './core.js';

const SIZE = 50;
const FINDINGS = {
  UNSUPPORTED_PLATFORM: 'Unsupported platform', CLOCK_SKEW: 'Clock skew', NO_HEARTBEAT: 'No heartbeat',
  AGENT_DISABLED: 'Agent disabled', NOT_PROTECTED: 'Not protected', OUTDATED_AGENT: 'Outdated agent',
  CONFIGURATION_BEHIND: 'Configuration behind', TEST_BLOCKING_FAILED: 'Test blocking failed',
};
let pages;
/** The devices with an active tunnel finding (by agent), shown among their findings. */
let tunnelling = new Set();

function os(device) {
  return [device.osName, device.osEdition, device.osVersion].filter(Boolean).join(' ');
}

async function showTunnels() {
  const answer = await (await api('GET', 'diagnostics/tunnels?limit=50')).json();
  tunnelling = new Set(answer.findings.filter((shown) => shown.active && shown.finding.agentId).map((shown) => shown.finding.agentId));
  fill(document.querySelector('#tunnel-table tbody'), answer.findings.map(({ finding, active }) => el('tr', {},
    el('th', { scope: 'row', text: finding.userEmail || (finding.agentId ? `Device ${finding.agentId}` : `Address ${finding.clientAddress}`) }),
    el('td', { text: finding.registeredDomain, title: finding.examples.join('\n') }),
    el('td', { text: when(finding.firstSeen) }),
    el('td', { text: when(finding.lastSeen) }),
    el('td', { text: String(finding.minutes) }),
    el('td', { text: finding.reasons.join('; ') }),
    el('td', { text: active ? 'Active' : 'Ended', className: active ? 'warn' : '' }))), 7, 'None in the last 30 days.');
}

export async function showDevices() {
  try {
    await showTunnels();
  } catch (error) {
    failed(error, 'The suspected DNS tunnels could not be listed');
  }
  const query = new URLSearchParams({ page: String(pages.page), size: String(SIZE) });
  if ($('device-search').value.trim()) query.set('q', $('device-search').value.trim());
  if ($('device-protected').value) query.set('protected', $('device-protected').value);
  if ($('device-finding').value) query.set('finding', $('device-finding').value);
  try {
    const answer = await (await api('GET', `diagnostics/devices?${query}`)).json();
    fill(document.querySelector('#device-table tbody'), answer.devices.map(({ device, isProtected }) => el('tr', {},
      el('th', { scope: 'row', text: device.hostname || device.deviceId }),
      el('td', { text: os(device) }),
      el('td', { text: device.agentVersion || '' }),
      el('td', { text: device.signedInUser || 'Not signed in' }),
      el('td', { text: isProtected ? 'Yes' : 'No', className: isProtected ? '' : 'warn' }),
      el('td', { text: when(device.lastSeen) || 'Never' }),
      el('td', {}, ...device.findings.map((finding) => el('span', { className: 'chip warn', title: finding.detail,
        text: FINDINGS[finding.code] || finding.code })),
      tunnelling.has(device.agentId) ? el('span', { className: 'chip warn', text: 'DNS tunnel' }) : null))), 7,
      answer.total === 0 ? 'No device has enrolled yet.' : 'No device matches.');
    pages.show(answer.matching,
      ` (${answer.total} devices, ${answer.protectedDevices} protected, ${answer.withFindings} with findings)`);
  } catch (error) {
    failed(error, 'The devices could not be listed');
  }
}

export function setUpDevices() {
  $('device-finding').append(...Object.entries(FINDINGS).map(([value, text]) => el('option', { value, text })));
  $('device-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    pages.page = 0;
    showDevices();
  });
  pages = pager('devices', SIZE, showDevices);
}
