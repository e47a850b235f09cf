// Small helpers the pages call through JS interop.
window.berth = {
    scrollToEnd: function (element) {
        if (element) element.scrollTop = element.scrollHeight;
    }
};
