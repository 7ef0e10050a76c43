// Shared by every page: tells the style sheet that scripts run, so controls that need them show.
document.documentElement.classList.add('js');
