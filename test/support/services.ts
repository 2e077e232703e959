import { Socket } from 'node:net';

/** The machine's services the end-to-end suites talk to, and how to start each one that is stopped. */
export const SERVICES = [
  { name: 'PostgreSQL', port: 5432, start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' },
  { name: 'RabbitMQ', port: 5672, start: 'rabbitmq-server -detached' },
  { name: 'Mosquitto', port: 1883, start: 'mosquitto -d -c /etc/mosquitto/mosquitto.conf' },
] as const;

/** Whether something accepts TCP connections on 127.0.0.1:port (within `timeoutMs`). */
export function listening(port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** The services that do not answer, each as one line naming it and the command that starts it. */
export async function missingServices(): Promise<string[]> {
  const answers = await Promise.all(SERVICES.map((s) => listening(s.port)));
  return SERVICES.filter((_, i) => !answers[i]).map((s) => `${s.name} is not listening on 127.0.0.1:${s.port}; start it with: ${s.start}`);
}
