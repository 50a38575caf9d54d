export { Dataset, LABEL_COLUMNS, permutation } from './data/dataset.js';
export type { Cell, Row } from './data/dataset.js';
