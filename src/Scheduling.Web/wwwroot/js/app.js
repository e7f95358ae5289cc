// Small browser helpers called from Blazor through IJSRuntime.
window.schedulingApp = {
    browserTimeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || null,
    copyToClipboard: async (text) => { await navigator.clipboard.writeText(text); return true; },
    // The calendar's arrow keys: move the focus to the day or slot with this hook (roving tab index).
    focusSelector: (selector) => {
        const element = document.querySelector(selector);
        if (element) { element.tabIndex = 0; element.focus(); }
    },
};
