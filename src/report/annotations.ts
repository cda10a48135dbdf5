/** Test annotations the specs set and the run summary reads. */
export const VERDICT_ANNOTATION = 'cors-verdict';
export const DIVERGENCE_ANNOTATION = 'cors-divergence';
