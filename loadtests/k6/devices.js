// Odin devices, one per virtual user: each connects, subscribes to the run's drive and holds its connection,
// counting and timing what it hears (see device.js). setup() makes the identity, drive, devices and tokens
// through the admin API, and teardown() deletes the identity again, so this is all a user types:
//
//   k6 run -e ODIN=http://127.0.0.1:8080 -e ADMIN_KEY=$(cat .cluster/admin-key) -e DEVICES=200 loadtests/k6/devices.js
//
// Options (-e): DEVICES (100), HOLD_SECONDS (60), HUB (the hub URL the token endpoint answers), DOMAIN (a fresh
// k6-<random>.example), KEEP (keep the identity afterwards). To write while they listen, run scenario.js instead.
import exec from 'k6/execution';
import { holdDevice } from './device.js';
import { provision, removeIdentity } from './odin.js';

const deviceCount = Number(__ENV.DEVICES || 100);
const holdSeconds = Number(__ENV.HOLD_SECONDS || 60);

export const options = {
  setupTimeout: '10m',
  scenarios: {
    devices: { executor: 'per-vu-iterations', vus: deviceCount, iterations: 1, maxDuration: `${holdSeconds + 60}s` },
  },
  thresholds: {
    odin_out_of_order: ['count==0'],
    odin_repeated: ['count==0'],
    odin_subscribe_rejected: ['count==0'],
    odin_closed_by_server: ['count==0'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  return provision(deviceCount);
}

/** @param {import('./odin.js').Provisioned} identity */
export default function (identity) {
  // One iteration per device: the scenario's iteration number picks it (VU ids are shared with other scenarios).
  holdDevice(identity.hubUrl, identity.devices[exec.scenario.iterationInTest], holdSeconds * 1000);
}

/** @param {import('./odin.js').Provisioned} identity */
export function teardown(identity) {
  removeIdentity(identity);
}
