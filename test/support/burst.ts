import { Worker } from 'node:worker_threads';

export type BurstRequest = { method: string; path: string; headers: Record<string, string>; body?: unknown };
export type BurstResponse = { status: number; body: any };

/**
 * Fires requests all at once from a worker thread. A client on the server's own event loop would hand
 * them over one loop turn at a time; from another thread they land together, so the server really has
 * many commands in flight on the same stream.
 */
export function burst(url: string, requests: BurstRequest[]): Promise<BurstResponse[]> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { url, requests } = workerData;
    Promise.all(requests.map(async (r) => {
      const response = await fetch(url + r.path, {
        method: r.method,
        headers: { 'content-type': 'application/json', ...r.headers },
        body: r.body === undefined ? undefined : JSON.stringify(r.body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    })).then((results) => parentPort.postMessage(results), (error) => parentPort.postMessage({ error: String(error) }));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { url, requests } });
    worker.once('message', (message) => {
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', reject);
  });
}
