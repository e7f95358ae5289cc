// Small browser helpers called from Blazor through IJSRuntime.
window.schedulingApp = {
    browserTimeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || null,
    copyToClipboard: async (text) => { await navigator.clipboard.writeText(text); return true; },
};
