// The widget's whole stylesheet. It lives inside the shadow root, so the host page's CSS cannot
// reach in and ours cannot leak out; `:host {all: initial}` stops inherited page styles (fonts,
// colours, line heights) from flowing into the widget. --tc/--tt (brand colour and the text colour
// readable on it) are set from the server's settings.
export const CSS = `
:host{all:initial}
*{box-sizing:border-box}
[hidden]{display:none!important}
.root{--tc:#2563eb;--tt:#fff;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#111827}
button{font:inherit;cursor:pointer}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483647;width:56px;height:56px;border:0;border-radius:50%;background:var(--tc);color:var(--tt);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;padding:0}
.launcher svg{width:28px;height:28px;fill:currentColor}
.launcher .x2{display:none;font-size:30px;line-height:1}
.open .launcher svg{display:none}
.open .launcher .x2{display:block}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;line-height:20px}
.panel{position:fixed;right:20px;bottom:88px;z-index:2147483647;width:370px;height:600px;max-height:calc(100vh - 108px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}
header{position:relative;padding:12px 48px 12px 16px;background:var(--tc);color:var(--tt)}
.title{font-weight:600;font-size:16px}
.status{font-size:13px}
.status:empty{display:none}
.x{position:absolute;top:8px;right:8px;width:34px;height:34px;border:0;background:none;color:inherit;font-size:24px;line-height:1}
.conn{padding:4px 16px;background:#fef3c7;color:#92400e;font-size:12px}
.scroll{flex:1;overflow-y:auto;padding:12px;background:#f9fafb}
.msg{display:flex;flex-direction:column;align-items:flex-start;margin:6px 0}
.msg.visitor{align-items:flex-end}
.bubble{max-width:85%;padding:8px 12px;border-radius:14px;background:#e5e7eb;white-space:pre-wrap;overflow-wrap:anywhere}
.visitor .bubble{background:var(--tc);color:var(--tt)}
.bubble a{color:inherit}
.who,.meta{margin:2px 6px;font-size:11px;color:#6b7280}
[data-state=error] .meta,.err{color:#b91c1c;font-size:12px;margin:2px 6px}
.sys{margin:10px 0;text-align:center;font-size:12px;color:#6b7280}
.typing{padding:2px 6px;font-size:12px;font-style:italic;color:#6b7280}
.form{display:flex;flex-direction:column;gap:8px;padding:10px 12px;border-top:1px solid #e5e7eb}
.scroll .form{border:0;padding:8px 0}
.form p{margin:0}
.field{display:flex;flex-direction:column;gap:2px;font-size:12px;color:#374151}
input,textarea{font:inherit;color:inherit;width:100%;padding:8px 10px;border:1px solid #d1d5db;border-radius:8px;background:#fff}
textarea{resize:none}
.link{border:0;background:none;padding:0;color:inherit;text-decoration:underline;font-size:12px}
.btn,.send{border:0;border-radius:8px;padding:8px 14px;background:var(--tc);color:var(--tt)}
.ended{padding:12px;text-align:center;border-top:1px solid #e5e7eb}
.composer{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid #e5e7eb}
.composer textarea{flex:1;max-height:120px}
.count{padding:0 12px 8px;font-size:12px;color:#4b5563;text-align:right}
.count.over{color:#b91c1c;font-weight:600}
@media (max-width:480px){
.panel{top:0;left:0;right:0;bottom:0;width:auto;height:auto;max-height:none;border-radius:0}
.open .launcher{display:none}
input,textarea{font-size:16px}
}
`;
