/* Date-only fields carry no time of day, so the browser's time zone cannot
   shift them: Django's admin still puts its "You are N hours behind server
   time" note under each of them (DateTimeShortcuts.addTimezoneWarning runs for
   every date input). The note stays where a time is typed: a date-and-time
   field gets it from its time input, which shares the date's line. Loaded
   deferred from templates/admin/base_site.html, so it runs after the form's
   scripts and before their "load" handler. */
(function () {
  "use strict";
  var shortcuts = window.DateTimeShortcuts;
  if (!shortcuts || !shortcuts.addTimezoneWarning) {
    return;
  }
  var warnFor = shortcuts.addTimezoneWarning;
  shortcuts.addTimezoneWarning = function (input) {
    if (input.classList.contains("vDateField")) {
      return;
    }
    return warnFor.call(this, input);
  };
})();
