// Writes new files through the Odin HTTP API at a steady rate (a fileAdded notification each). setup() makes an
// identity and a drive of its own through the admin API, and teardown() deletes them:
//
//   k6 run -e ODIN=http://127.0.0.1:8080 -e ADMIN_KEY=$(cat .cluster/admin-key) -e RATE=200 -e DURATION=60s loadtests/k6/writer.js
//
// To check what devices hear of these writes, run scenario.js, which runs both.
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { provision, removeIdentity, writeFile } from './odin.js';

export const writeTime = new Trend('odin_write_ms', true);
export const writes = new Counter('odin_writes');

/**
 * The writers' scenario, also run by scenario.js.
 * @param {string} startTime
 * @param {string} duration
 * @returns {import('k6/options').Scenario}
 */
export function writersScenario(startTime, duration) {
  return {
    executor: 'constant-arrival-rate',
    exec: 'write',
    startTime,
    rate: Number(__ENV.RATE || 100),
    timeUnit: '1s',
    duration,
    preAllocatedVUs: 50,
    maxVUs: 500,
  };
}

export const options = {
  scenarios: { writes: writersScenario('0s', __ENV.DURATION || '60s') },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    odin_write_ms: ['p(99)<500'],
  },
};

export function setup() {
  return provision(0);
}

/** @param {import('./odin.js').Provisioned} identity */
export function write(identity) {
  const response = writeFile(identity);
  writeTime.add(response.timings.duration);
  if (check(response, { 'created (201)': (r) => r.status === 201 })) {
    writes.add(1);
  }
}

/** @param {import('./odin.js').Provisioned} identity */
export function teardown(identity) {
  removeIdentity(identity);
}
