/**
 * The simulated devices and their readings, without any broker: cold-store sensors in the warehouse, each with the
 * temperature limit it is set to alarm above. devices.mqtt.ts publishes these readings over MQTT.
 */

export type DeviceType = 'fridge' | 'freezer';

/** What a type of device normally reads and the limit above which a reading is an excursion. */
export const DEVICE_TYPES: Readonly<Record<DeviceType, { readonly nominal: number; readonly maxTemperature: number }>> = {
  fridge: { nominal: 4, maxTemperature: 8 },
  freezer: { nominal: -20, maxTemperature: -15 },
};

export interface SimulatedDevice {
  readonly id: string;
  readonly type: DeviceType;
  /** Where it stands, for the alert's text. */
  readonly location: string;
}

export const DEVICES: readonly SimulatedDevice[] = [
  { id: 'fridge-01', type: 'fridge', location: 'Berlin DC, aisle 3' },
  { id: 'fridge-02', type: 'fridge', location: 'Lyon DC, dock 1' },
  { id: 'freezer-01', type: 'freezer', location: 'Berlin DC, cold room' },
  { id: 'freezer-02', type: 'freezer', location: 'Utrecht DC, cold room' },
];

/**
 * One reading as a device publishes it (JSON). `maxTemperature` is the limit the device is set to, carried in every
 * reading so that a route compares the two without knowing the device (routes/devices.yaml).
 */
export interface TelemetryReading {
  readonly deviceId: string;
  readonly type: DeviceType;
  readonly location: string;
  /** Readings of this device so far, from 1. */
  readonly seq: number;
  /** Degrees Celsius, one decimal. */
  readonly temperature: number;
  readonly maxTemperature: number;
  /** Relative humidity in percent, whole. */
  readonly humidity: number;
  /** Battery in percent, whole; drains slowly. */
  readonly battery: number;
  /** ISO 8601 time of the reading. */
  readonly at: string;
}

/** Share of readings that are excursions (a door left open): enough for a few alerts a minute in the demo. */
const EXCURSION_RATE = 0.08;

/**
 * The devices taking turns: each `next()` is the next device's reading, round robin. Temperatures wander within
 * ±1.5 °C of the type's nominal value; an excursion (rate 8%) reads 1 to 9 °C above the limit.
 */
export class DeviceSimulator {
  private turn = 0;
  private readonly seqs = new Map<string, number>();

  constructor(
    readonly devices: readonly SimulatedDevice[] = DEVICES,
    private readonly random: () => number = Math.random,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (devices.length === 0) throw new Error('a device simulator needs at least one device');
  }

  next(): TelemetryReading {
    const device = this.devices[this.turn++ % this.devices.length];
    const seq = (this.seqs.get(device.id) ?? 0) + 1;
    this.seqs.set(device.id, seq);
    const { nominal, maxTemperature } = DEVICE_TYPES[device.type];
    const excursion = this.random() < EXCURSION_RATE;
    const temperature = excursion ? maxTemperature + 1 + this.random() * 8 : nominal + (this.random() * 3 - 1.5);
    return {
      deviceId: device.id,
      type: device.type,
      location: device.location,
      seq,
      temperature: Math.round(temperature * 10) / 10,
      maxTemperature,
      humidity: Math.round(40 + this.random() * 30),
      battery: Math.max(5, 100 - Math.floor(seq / 50)),
      at: this.now().toISOString(),
    };
  }
}

/** Whether a reading is above its device's limit: the same test the sample route makes. */
export function overLimit(reading: TelemetryReading): boolean {
  return reading.temperature > reading.maxTemperature;
}
