/**
 * Worklist queries as dcmdump text, for dump2dcm. The names carry ü, ñ and (in UTF-8) Ł; the
 * Latin-1 variant is the same query in ISO_IR 100, without the Ł Latin-1 cannot hold.
 * Test support only.
 */
export const NAME_UTF8 = 'Müller^Ñandú Łukasz';
export const NAME_LATIN1 = 'Müller^Ñandú';

function query(charset: string, name: string): string {
  return `(0008,0005) CS [${charset}]
(0008,0050) SH []
(0009,0010) LO [ACME]
(0009,1001) LO []
(0010,0010) PN [${name}]
(0010,0020) LO []
(0010,1030) DS [12.50]
(0010,2201) LO []
(0011,1001) SH []
(0020,000d) UI []
(0032,1060) LO []
(0040,0100) SQ (Sequence with undefined length #=1)
(fffe,e000) na (Item with undefined length #=6)
(0008,0060) CS [DX]
(0040,0001) AE [DX1 ]
(0040,0002) DA [20240101-20241231]
(0040,0006) PN []
(0040,0008) SQ (Sequence with undefined length #=0)
(fffe,e0dd) na (SequenceDelimitationItem)
(0040,0009) SH []
(fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0040,1001) SH []
`;
}

export const QUERY_UTF8 = query('ISO_IR 192', NAME_UTF8);
export const QUERY_LATIN1 = query('ISO_IR 100', NAME_LATIN1);

/** Tags of QUERY_*'s top-level keys, in order, without (0008,0005). */
export const QUERY_TAGS = [
  0x00080050, 0x00090010, 0x00091001, 0x00100010, 0x00100020, 0x00101030, 0x00102201, 0x00111001, 0x0020000d,
  0x00321060, 0x00400100, 0x00401001,
];
