// Small helpers the pages call through JS interop.
window.berth = {
    scrollToEnd: function (element) {
        if (element) element.scrollTop = element.scrollHeight;
    },
    // Puts text on the clipboard; true when it got there. The Clipboard API needs a secure context
    // (https, or http on localhost); elsewhere a selected text area and execCommand('copy') do it.
    copyText: async function (text) {
        if (navigator.clipboard && window.isSecureContext) {
            try {
                await navigator.clipboard.writeText(text);
                return true;
            } catch (e) {
                // Refused (no permission, page not focused): try the old way.
            }
        }
        const area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.appendChild(area);
        area.select();
        try {
            return document.execCommand('copy');
        } catch (e) {
            return false;
        } finally {
            document.body.removeChild(area);
        }
    }
};
