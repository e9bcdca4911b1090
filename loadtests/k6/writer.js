// Writes files through the Odin HTTP API at a steady rate, so the devices of devices.js get notifications.
//
//   k6 run -e ODIN=http://127.0.0.1:8080 -e DOMAIN=frodo.example -e OWNER=<owner token> -e DRIVE=<driveId> \
//          -e RATE=200 -e DURATION=60s loadtests/k6/writer.js
import { check } from 'k6';
import http from 'k6/http';
import { Trend } from 'k6/metrics';

const odin = __ENV.ODIN || 'http://127.0.0.1:8080';
const writeTime = new Trend('odin_write_ms', true);

export const options = {
  scenarios: {
    writes: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 100),
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: 50,
      maxVUs: 500,
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    odin_write_ms: ['p(99)<500'],
  },
};

/** @returns {string} a random GUID: the client chooses file ids */
function newFileId() {
  const hex = '0123456789abcdef';
  let id = '';
  for (let i = 0; i < 32; i++) {
    id += hex[Math.floor(Math.random() * 16)];
  }
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(17, 20)}-${id.slice(20)}`;
}

export default function () {
  const response = http.put(
    `${odin}/api/v1/drives/${__ENV.DRIVE}/files/${newFileId()}`,
    JSON.stringify({ metadata: { writtenBy: 'k6', at: Date.now() } }),
    {
      headers: {
        Host: __ENV.DOMAIN || '',
        Authorization: `Bearer ${__ENV.OWNER}`,
        'Content-Type': 'application/json',
      },
    },
  );
  writeTime.add(response.timings.duration);
  check(response, { 'created (201)': (r) => r.status === 201 });
}
