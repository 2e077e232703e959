import { seededRandom } from './demo/sample-orders';
import { DEVICE_TYPES, DEVICES, DeviceSimulator, overLimit } from './devices.telemetry';

describe('DeviceSimulator', () => {
  const at = new Date('2025-03-01T10:00:00.000Z');

  it('gives each device a turn in order, counting its own readings', () => {
    const simulator = new DeviceSimulator(DEVICES, seededRandom(1), () => at);
    const readings = Array.from({ length: DEVICES.length * 2 }, () => simulator.next());
    expect(readings.map((r) => r.deviceId)).toEqual([...DEVICES, ...DEVICES].map((d) => d.id));
    expect(readings.map((r) => r.seq)).toEqual([...DEVICES.map(() => 1), ...DEVICES.map(() => 2)]);
    expect(readings[0]).toEqual({
      deviceId: 'fridge-01',
      type: 'fridge',
      location: 'Berlin DC, aisle 3',
      seq: 1,
      temperature: expect.any(Number),
      maxTemperature: 8,
      humidity: expect.any(Number),
      battery: 100,
      at: '2025-03-01T10:00:00.000Z',
    });
  });

  it('reads near the nominal value of the type, with a few excursions over the limit, all with one decimal', () => {
    const simulator = new DeviceSimulator(DEVICES, seededRandom(7));
    const readings = Array.from({ length: 2_000 }, () => simulator.next());
    const excursions = readings.filter(overLimit);
    // 8% of 2000 is 160: a seeded run lands near it.
    expect(excursions.length).toBeGreaterThan(100);
    expect(excursions.length).toBeLessThan(230);
    for (const r of readings) {
      const { nominal, maxTemperature } = DEVICE_TYPES[r.type];
      expect(r.maxTemperature).toBe(maxTemperature);
      expect(Math.round(r.temperature * 10) / 10).toBe(r.temperature);
      if (overLimit(r)) expect(r.temperature).toBeLessThanOrEqual(maxTemperature + 9);
      else expect(Math.abs(r.temperature - nominal)).toBeLessThanOrEqual(1.5);
    }
  });

  it('is repeatable with the same seed', () => {
    const a = new DeviceSimulator(DEVICES, seededRandom(3), () => at);
    const b = new DeviceSimulator(DEVICES, seededRandom(3), () => at);
    expect(Array.from({ length: 20 }, () => a.next())).toEqual(Array.from({ length: 20 }, () => b.next()));
  });

  it('needs a device', () => {
    expect(() => new DeviceSimulator([])).toThrow('at least one device');
  });
});
