/**
 * A clinic's open orders at scale for the worklist benchmark: owners and farms with names in several
 * European languages (ü, ñ, Ł …), pets of several species with breeds, sexes, weights and
 * microchips, spread over a week at five stations. Seeded: every run creates the same orders.
 */
interface Species {
  species: string;
  code?: { code: string; scheme: string; meaning: string };
  breeds: string[];
  names: string[];
  weightKg: [number, number];
}

const SPECIES: Species[] = [
  {
    species: 'Canine',
    code: { code: '448771007', scheme: 'SCT', meaning: 'Canis lupus familiaris' },
    breeds: ['Labrador Retriever', 'German Shepherd', 'Dachshund', 'Border Collie', 'Mixed breed'],
    names: ['Max', 'Bello', 'Reks', 'Luna', 'Bailey', 'Rocky', 'Nala', 'Canela', 'Fíbi', 'Żuk'],
    weightKg: [4, 45],
  },
  {
    species: 'Feline',
    code: { code: '448169003', scheme: 'SCT', meaning: 'Felis catus' },
    breeds: ['Domestic Shorthair', 'Maine Coon', 'Siamese', 'British Shorthair'],
    names: ['Whiskers', 'Mia', 'Mruczek', 'Chispa', 'Minou', 'Tiger', 'Kätzchen'],
    weightKg: [2, 8],
  },
  {
    species: 'Equine',
    breeds: ['Haflinger', 'Thoroughbred', 'Andalusian', 'Shetland Pony'],
    names: ['Star', 'Bella', 'Lucero', 'Blitz', 'Iskra'],
    weightKg: [180, 650],
  },
  {
    species: 'Lapine',
    breeds: ['Netherland Dwarf', 'Lop'],
    names: ['Hopper', 'Pünktchen'],
    weightKg: [1, 4],
  },
  { species: 'Bovine', breeds: ['Holstein', 'Simmental'], names: ['Berta', 'Paloma'], weightKg: [300, 800] },
];

const FAMILIES = [
  'Smith',
  'Müller',
  'Núñez',
  'Łukasiewicz',
  'García',
  'Schröder',
  'Ødegaard',
  'Dvořák',
  'Jones',
  'Brown',
  'Peña',
  'Wójcik',
];
const GIVEN = ['Anna', 'Jürgen', 'Iñés', 'Łucja', 'Tom', 'José', 'Zoë', 'Søren', 'Maria', 'Paweł'];
const FARMS = ['ABC Farms', 'Hof Grünwald', 'Granja La Peña', 'Gospodarstwo Łąka'];

const STATIONS = [
  { modality: 'DX', aeTitle: 'DR1', code: 'XR-THORAX', description: 'Thorax 2 views', bodyPart: 'CHEST' },
  { modality: 'DX', aeTitle: 'DR2', code: 'XR-HIP', description: 'Hips extended VD', bodyPart: 'PELVIS' },
  {
    modality: 'US',
    aeTitle: 'US1',
    code: 'US-ABD',
    description: 'Abdominal ultrasound',
    bodyPart: 'ABDOMEN',
  },
  { modality: 'IO', aeTitle: 'DENTAL1', code: 'IO-FULL', description: 'Full mouth dental series' },
  {
    modality: 'CT',
    aeTitle: 'CT1',
    code: 'CT-HEAD',
    description: 'CT head pre/post contrast',
    bodyPart: 'HEAD',
  },
];

/** mulberry32: a small seeded generator, so the data set is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Order bodies for `POST /v1/orders`, numbered from `from` (pimsOrderId and patient ids follow). */
export function vetOrders(from: number, count: number, seed = 20261122): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = from; i < from + count; i++) {
    const r = random(seed + i);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const sp = pick(SPECIES);
    const station = pick(STATIONS);
    const farm = sp.species === 'Bovine' || (sp.species === 'Equine' && r() < 0.5);
    const weight = sp.weightKg[0] + r() * (sp.weightKg[1] - sp.weightKg[0]);
    const born = new Date(
      Date.UTC(2008 + Math.floor(r() * 17), Math.floor(r() * 12), 1 + Math.floor(r() * 28)),
    );
    // Seven days of appointments, on the quarter hour, from 08:00 UTC.
    const at = new Date(Date.UTC(2026, 10, 23 + (i % 7), 8 + Math.floor(r() * 10), 15 * Math.floor(r() * 4)));
    out.push({
      pims: { system: 'ezyvet', siteId: 'main' },
      pimsOrderId: `BENCH-${i}`,
      invoice: { id: `INV-${i}`, lineId: '1', productCode: station.code },
      procedure: {
        code: station.code,
        description: station.description,
        modality: station.modality,
        ...(station.bodyPart ? { bodyPart: station.bodyPart } : {}),
      },
      scheduled: { at: at.toISOString(), stationAeTitle: station.aeTitle },
      priority: r() < 0.1 ? 'urgent' : 'routine',
      reason: 'lameness and weight loss',
      requestingVet: { familyName: pick(FAMILIES), givenName: pick(GIVEN) },
      patient: {
        id: `P${100_000 + i}`,
        name: pick(sp.names),
        species: sp.species,
        breed: pick(sp.breeds),
        sex: r() < 0.5 ? 'male' : 'female',
        neutered: r() < 0.6,
        birthDate: born.toISOString().slice(0, 10),
        weightKg: Math.round(weight * 10) / 10,
        ...(sp.code ? { speciesCode: sp.code } : {}),
        ...(sp.species === 'Canine' || sp.species === 'Feline'
          ? { microchip: `985${String(100_000_000_000 + i).padStart(12, '0')}` }
          : {}),
      },
      client: farm
        ? { id: `C${i}`, organization: pick(FARMS) }
        : { id: `C${i}`, lastName: pick(FAMILIES), firstName: pick(GIVEN) },
    });
  }
  return out;
}
