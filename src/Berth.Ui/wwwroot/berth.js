// Small helpers the pages call through JS interop.
window.berth = (function () {
    const loaded = {};

    // Loads a script once; resolves when it has run.
    function script(src) {
        loaded[src] ??= new Promise((resolve, reject) => {
            const s = document.createElement("script");
            s.src = src;
            s.onload = resolve;
            s.onerror = () => reject(new Error("cannot load " + src + " (build wwwroot-assets: npm ci && npm run build)"));
            document.head.appendChild(s);
        });
        return loaded[src];
    }

    function stylesheet(href) {
        if (document.querySelector(`link[href="${href}"]`)) return;
        const l = document.createElement("link");
        l.rel = "stylesheet";
        l.href = href;
        document.head.appendChild(l);
    }

    const terminal = {
        // Makes an xterm.js terminal in element, wired to the component (Input, Resize); returns [cols, rows].
        open: async function (element, component) {
            stylesheet("assets/xterm/xterm.css");
            await script("assets/xterm/xterm.js");
            await script("assets/xterm/addon-fit.js");
            const term = new Terminal({ cursorBlink: true, fontSize: 14, convertEol: false, scrollback: 5000 });
            const fit = new FitAddon.FitAddon();
            term.loadAddon(fit);
            term.open(element);
            fit.fit();
            term.onData(data => component.invokeMethodAsync("Input", data));
            term.onResize(size => component.invokeMethodAsync("Resize", size.cols, size.rows));
            const observer = new ResizeObserver(() => fit.fit());
            observer.observe(element);
            element.berthTerminal = { term, observer };
            return [term.cols, term.rows];
        },
        size: function (element) {
            const t = element.berthTerminal.term;
            return [t.cols, t.rows];
        },
        write: function (element, data) {
            element.berthTerminal?.term.write(data);
        },
        focus: function (element) {
            element.berthTerminal?.term.focus();
        },
        dispose: function (element) {
            const t = element.berthTerminal;
            if (!t) return;
            t.observer.disconnect();
            t.term.dispose();
            delete element.berthTerminal;
        }
    };

    // The theme the user chose ("dark" or "light"), kept in this browser; null until they choose.
    const theme = {
        get: function () {
            try { return localStorage.getItem("berth.theme"); } catch (e) { return null; }
        },
        set: function (value) {
            try { localStorage.setItem("berth.theme", value); } catch (e) { /* storage refused: the choice lasts this page only */ }
        }
    };

    return {
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
        },
        terminal,
        theme
    };
})();
