// Devices and writers together, and the check that matters: every device hears every write exactly once, in order.
// setup() makes an identity, a drive and DEVICES devices through the admin API; the devices connect and subscribe,
// writers then write RATE new files a second for WRITE_SECONDS, and once the writes have had DRAIN_SECONDS to
// arrive each device reads the drive's changes feed from the cursor it subscribed at (as an app does after a gap)
// and checks that it heard each of those files once. teardown() deletes the identity.
//
//   k6 run -e ODIN=http://127.0.0.1:8080 -e ADMIN_KEY=$(cat .cluster/admin-key) -e DEVICES=200 -e RATE=20 -e WRITE_SECONDS=40 loadtests/k6/scenario.js
//
// Options (-e): DEVICES (100), RATE (20 writes/s), WRITE_SECONDS (30), CONNECT_SECONDS (10: the devices' time to
// connect before the first write), DRAIN_SECONDS (10: longer than the slowest write, since a write still under way
// when a device stops listening is in the feed it reads but was never heard), HUB, DOMAIN, KEEP (see devices.js).
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { holdDevice } from './device.js';
import { changedFilesAfter, provision, removeIdentity } from './odin.js';
import { writersScenario } from './writer.js';

export { write } from './writer.js';

const deviceCount = Number(__ENV.DEVICES || 100);
const connectSeconds = Number(__ENV.CONNECT_SECONDS || 10);
const writeSeconds = Number(__ENV.WRITE_SECONDS || 30);
const drainSeconds = Number(__ENV.DRAIN_SECONDS || 10);

/** Files in the changes feed that a device never heard of. */
const missed = new Counter('odin_missed');
/** Devices whose notifications matched the changes feed exactly. */
const complete = new Counter('odin_devices_complete');

export const options = {
  setupTimeout: '10m',
  scenarios: {
    devices: {
      executor: 'per-vu-iterations',
      exec: 'listen',
      vus: deviceCount,
      iterations: 1,
      maxDuration: `${connectSeconds + writeSeconds + drainSeconds + 120}s`,
    },
    writers: writersScenario(`${connectSeconds}s`, `${writeSeconds}s`),
  },
  thresholds: {
    odin_missed: ['count==0'],
    odin_repeated: ['count==0'],
    odin_out_of_order: ['count==0'],
    odin_subscribe_rejected: ['count==0'],
    odin_closed_by_server: ['count==0'],
    odin_devices_complete: [`count==${deviceCount}`],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  return provision(deviceCount);
}

/** @param {import('./odin.js').Provisioned} identity */
export function listen(identity) {
  const device = identity.devices[exec.scenario.iterationInTest];
  holdDevice(identity.hubUrl, device, (connectSeconds + writeSeconds + drainSeconds) * 1000, (log) => {
    if (!log.subscribed) {
      return; // already failed its 'subscribed' check
    }
    const written = changedFilesAfter(identity, device.token, log.subscribedAt);
    const notHeard = written.filter((fileId) => !log.files.has(fileId));
    const heardTwice = [...log.files.values()].filter((count) => count > 1).length;
    missed.add(notHeard.length);
    const exact = check(null, {
      'heard every write': () => notHeard.length === 0,
      'heard each write once': () => heardTwice === 0 && log.files.size === written.length,
    });
    if (exact) {
      complete.add(1);
    }
  });
}

/** @param {import('./odin.js').Provisioned} identity */
export function teardown(identity) {
  removeIdentity(identity);
}
