/**
 * The species and breeds offered to ezyVet for its species mapping. Species carry their SNOMED CT
 * codes (what DICOM's Patient Species Code Sequence takes); breeds are offered by name, with a code
 * of this plugin's own that stays stable between syncs.
 */
const catalogue: { name: string; code: string; breeds: string[] }[] = [
  {
    name: 'Canine',
    code: '448771007',
    breeds: ['Mixed breed', 'Labrador Retriever', 'German Shepherd', 'Golden Retriever', 'French Bulldog'],
  },
  {
    name: 'Feline',
    code: '448169003',
    breeds: ['Domestic Shorthair', 'Domestic Longhair', 'Siamese', 'Maine Coon'],
  },
  { name: 'Equine', code: '388445009', breeds: ['Thoroughbred', 'Quarter Horse', 'Warmblood', 'Pony'] },
];

export function speciesAndBreeds() {
  return {
    species: catalogue.map((s) => ({
      name: s.name,
      code: s.code,
      breeds: s.breeds.map((b) => ({
        name: b,
        code: `${s.code}-${b.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      })),
    })),
  };
}
