// k6 has a global console (https://grafana.com/docs/k6/latest/javascript-api/#console); @types/k6 0.49 does not declare it.
declare const console: { log(...data: unknown[]): void; warn(...data: unknown[]): void };
