// What every Odin k6 script needs from the HTTP API: a fresh identity with a drive and devices, made in k6's
// setup() through the admin API (so a run needs only ODIN and ADMIN_KEY), the devices' access tokens, a drive's
// changes feed (the ground truth a device's notifications are checked against), and the identity's removal in
// teardown(). Every call fails the run with the status and the problem's detail when Odin refuses it.
import { fail } from 'k6';
import http from 'k6/http';

/** Odin's base URL: HAProxy of `scripts/cluster.sh up` (:8080), or a single node's own address. */
export const odin = (__ENV.ODIN || 'http://127.0.0.1:8080').replace(/\/$/, '');

/** Requests sent at once while provisioning devices (k6's http.batch). */
const batchSize = Number(__ENV.SETUP_BATCH || 50);

/**
 * @typedef {{ token: string, deviceId: string, drives: string[] }} ProvisionedDevice
 * @typedef {{ domain: string, ownerToken: string, driveId: string, hubUrl: string, devices: ProvisionedDevice[] }} Provisioned
 */

/**
 * @param {import('k6/http').RefinedResponse<any>} response
 * @param {number} status the status that means success
 * @param {string} what the call, for the failure message
 * @returns {any} the parsed body, or null when there is none
 */
function expect(response, status, what) {
  if (response.status !== status) {
    let detail = '';
    try {
      const problem = /** @type {any} */ (response.json());
      detail = problem && problem.detail ? `: ${problem.detail}` : '';
    } catch (_) {
      detail = response.error ? `: ${response.error}` : '';
    }
    fail(`${what} answered ${response.status} (expected ${status})${detail}`);
  }
  return response.body ? response.json() : null;
}

/**
 * @param {string} domain the identity's domain: Odin picks the identity by Host
 * @param {string} [bearer]
 * @returns {{ headers: Record<string, string> }}
 */
function params(domain, bearer) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json' };
  if (domain) {
    headers.Host = domain;
  }
  if (bearer) {
    headers.Authorization = `Bearer ${bearer}`;
  }
  return { headers };
}

/** @returns {string} a random GUID (the client chooses file ids) */
export function newGuid() {
  const hex = '0123456789abcdef';
  let id = '';
  for (let i = 0; i < 32; i++) {
    id += hex[Math.floor(Math.random() * 16)];
  }
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(17, 20)}-${id.slice(20)}`;
}

/**
 * Makes an identity of its own for this run (`k6-<random>.example`, or DOMAIN), a drive, and `deviceCount` devices
 * that may read it, each with a fresh access token. Tokens live `Odin__Auth__DeviceTokenLifetime` (10 minutes by
 * default): a run longer than that needs a longer lifetime.
 * @param {number} deviceCount
 * @returns {Provisioned}
 */
export function provision(deviceCount) {
  const adminKey = __ENV.ADMIN_KEY;
  if (!adminKey) {
    fail('ADMIN_KEY is required: the admin key (scripts/cluster.sh prints it; single node: data/admin-key)');
  }

  const domain = __ENV.DOMAIN || `k6-${newGuid().slice(0, 8)}.example`;
  const tenant = expect(
    http.post(`${odin}/api/v1/admin/tenants`, JSON.stringify({ domain }), params('', adminKey)),
    201, `creating the identity ${domain}`);
  const ownerToken = tenant.ownerToken;

  const drive = expect(
    http.post(`${odin}/api/v1/owner/drives`, JSON.stringify({ alias: 'k6', name: 'k6 load test' }), params(domain, ownerToken)),
    201, 'creating the drive');
  const driveId = drive.driveId;

  /** @type {ProvisionedDevice[]} */
  const devices = [];
  let hubUrl = __ENV.HUB || '';
  for (let first = 0; first < deviceCount; first += batchSize) {
    const count = Math.min(batchSize, deviceCount - first);
    /** @type {import('k6/http').BatchRequests} */
    const creations = [];
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({ name: `k6 device ${first + i}`, drives: [{ driveId, permission: 'read' }] });
      creations.push(['POST', `${odin}/api/v1/owner/devices`, body, params(domain, ownerToken)]);
    }
    const created = http.batch(creations).map((r) => expect(r, 201, 'creating a device'));

    /** @type {import('k6/http').BatchRequests} */
    const tokenRequests = created.map((d) => /** @type {import('k6/http').BatchRequest} */ ([
      'POST', `${odin}/api/v1/device/token`, JSON.stringify({ deviceId: d.deviceId, deviceSecret: d.deviceSecret }), params(domain),
    ]));
    http.batch(tokenRequests).forEach((r, i) => {
      const token = expect(r, 200, 'fetching a device token');
      hubUrl = hubUrl || token.hubUrl;
      devices.push({ token: token.accessToken, deviceId: created[i].deviceId, drives: [driveId] });
    });
  }

  return { domain, ownerToken, driveId, hubUrl: hubUrl || `${odin}/hubs/device`, devices };
}

/**
 * Writes one new file (a `fileAdded` notification for every device of the drive).
 * @param {Provisioned} identity
 * @returns {import('k6/http').RefinedResponse<any>}
 */
export function writeFile(identity) {
  return http.put(
    `${odin}/api/v1/drives/${identity.driveId}/files/${newGuid()}`,
    JSON.stringify({ metadata: { writtenBy: 'k6', at: Date.now() } }),
    params(identity.domain, identity.ownerToken),
  );
}

/**
 * The file ids the drive's changes feed lists after `cursor`, read page by page as a device does after a gap.
 * @param {Provisioned} identity
 * @param {string} token a device (or owner) token that may read the drive
 * @param {number} cursor
 * @returns {string[]}
 */
export function changedFilesAfter(identity, token, cursor) {
  /** @type {string[]} */
  const files = [];
  let hasMore = true;
  while (hasMore) {
    const page = expect(
      http.get(`${odin}/api/v1/drives/${identity.driveId}/changes?cursor=${cursor}&limit=1000`, params(identity.domain, token)),
      200, 'reading the changes feed');
    for (const change of page.changes) {
      files.push(change.fileId);
    }
    cursor = page.cursor;
    hasMore = page.hasMore;
  }
  return files;
}

/**
 * Deletes the run's identity (and its drive, files and devices) unless KEEP is set.
 * @param {Provisioned} identity
 */
export function removeIdentity(identity) {
  if (__ENV.KEEP) {
    console.log(`kept the identity ${identity.domain} (KEEP is set)`);
    return;
  }
  expect(
    http.del(`${odin}/api/v1/admin/tenants/${identity.domain}`, null, params('', __ENV.ADMIN_KEY)),
    204, `deleting the identity ${identity.domain}`);
}
