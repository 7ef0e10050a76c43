/** The link protocol version both sides must speak. Bump it on any incompatible frame change. */
export const PROTOCOL_VERSION = 1;
