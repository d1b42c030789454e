// Marks the body before it renders, as GOV.UK Frontend's template does inline: a file
// of ours instead, so the Content-Security-Policy allows scripts from this site only.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
