export { LightboxError } from '@lightbox/protocol';
