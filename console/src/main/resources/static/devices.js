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

function os(device) {
  return [device.osName, device.osEdition, device.osVersion].filter(Boolean).join(' ');
}

export async function showDevices() {
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
        text: FINDINGS[finding.code] || finding.code }))))), 7,
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
