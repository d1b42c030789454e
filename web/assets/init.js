// Starts GOV.UK Frontend's components on every page; a file rather than an inline
// script, so the Content-Security-Policy allows scripts from this site only.
import { initAll } from '/assets/govuk-frontend.min.js';
initAll();
