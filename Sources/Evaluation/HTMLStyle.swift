/// The report page's inline stylesheet (no external fonts or files).
enum HTMLStyle {
    static let css = """
    :root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --head: #f1f5f9; --bg: #f8fafc; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg);
           font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    main { max-width: 1140px; margin: 0 auto; padding: 28px 32px 64px; }
    h1 { font-size: 28px; margin: 0 0 4px; }
    h2 { font-size: 21px; margin: 0 0 14px; }
    h3 { font-size: 16px; margin: 22px 0 8px; }
    .sub { color: var(--muted); margin: 0; }
    nav { margin: 10px 0 0; font-size: 14px; }
    nav a { margin-right: 14px; color: #1d4ed8; text-decoration: none; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px;
            margin: 20px 0; box-shadow: 0 1px 2px rgba(15, 23, 42, .05); }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 14px; }
    th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
    th { background: var(--head); font-weight: 600; white-space: nowrap; }
    .num { text-align: right; white-space: nowrap; }
    .plot-grid { display: grid; grid-template-columns: 440px minmax(0, 1fr); gap: 28px; align-items: start; }
    svg.roc { display: block; max-width: 100%; height: auto; }
    svg .tick { font-size: 11px; fill: #4b5563; }
    svg .axis { font-size: 12.5px; fill: #1f2937; }
    svg .legend { font-size: 12px; fill: #1f2937; }
    .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
    .auc { font-size: 22px; font-weight: 700; }
    .undefined { color: #b45309; font-weight: 600; }
    .pvalue { font-weight: 600; }
    tr.failed td { background: #fef2f2; }
    tr.failed td.state { color: #b91c1c; font-weight: 600; }
    .gallery { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; }
    .cell h4 { margin: 0 0 6px; font-size: 14px; }
    figure { margin: 0 0 10px; border: 1px solid var(--line); border-radius: 8px; padding: 6px; background: #fff; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 4px; }
    .pair img, .noimg { width: 100%; aspect-ratio: 1; object-fit: contain; background: #111827; border-radius: 4px;
                        image-rendering: pixelated; }
    .tile { position: relative; }
    .tag { position: absolute; left: 4px; top: 4px; background: rgba(17, 24, 39, .7); color: #f9fafb; font-size: 10px;
           padding: 0 5px; border-radius: 3px; }
    ul.notes { margin: 12px 0 0; padding-left: 20px; font-size: 14px; }
    ul.notes li.undefined { font-weight: 500; }
    .noimg { display: flex; align-items: center; justify-content: center; color: #9ca3af; font-size: 11px; }
    figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
    .badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 700; }
    .TP { background: #dcfce7; color: #166534; } .FP { background: #fee2e2; color: #991b1b; }
    .TN { background: #dbeafe; color: #1e40af; } .FN { background: #fef3c7; color: #92400e; }
    .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
    pre { background: #0f172a; color: #e2e8f0; padding: 12px 14px; border-radius: 8px; overflow-x: auto; font-size: 12px; }
    details summary { cursor: pointer; color: #1d4ed8; margin: 8px 0; }
    ul.methods li { margin: 4px 0; color: #374151; font-size: 14px; }
    @media (max-width: 900px) { .plot-grid { grid-template-columns: 1fr; } .gallery { grid-template-columns: repeat(2, 1fr); } }
    """
}
