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

// Calendar drag and drop: Blazor handles the events, but a drag carries no data unless someone sets it, and
// browsers (Firefox, and Chromium under automation) cancel such a drag. Give each calendar item's drag its occurrence.
document.addEventListener('dragstart', (e) => {
    const item = e.target instanceof Element ? e.target.closest('[data-testid="calendar-item"]') : null;
    if (item && e.dataTransfer) {
        e.dataTransfer.setData('text/plain', item.getAttribute('data-occurrence') || '');
        e.dataTransfer.effectAllowed = 'move';
    }
});
