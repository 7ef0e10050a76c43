export { LightboxError } from '@lightbox/runtime';
