export { Serdes } from './serdes.ts';
