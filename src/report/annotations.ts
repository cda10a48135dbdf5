/** Test annotations the specs set and the run summary reads. */
export const VERDICT_ANNOTATION = 'cors-verdict';
export const DIVERGENCE_ANNOTATION = 'cors-divergence';
/** A test whose page failed under it, so that its scenario ran once more on a page opened anew. */
export const HARNESS_RERUN_ANNOTATION = 'cors-conformance harness re-run';
/** A test whose request CORS allowed while the engine withheld its cookie. */
export const COOKIE_WITHHELD_ANNOTATION = 'cors-cookie-withheld';
