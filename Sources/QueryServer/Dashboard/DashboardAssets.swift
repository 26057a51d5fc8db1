/// The dashboard's stylesheet and script, compiled into the binary: no build step, and nothing is
/// fetched at run time. Colours keep text at 4.5:1 or more against its background (WCAG AA), and
/// every focusable element shows a visible focus ring.
enum DashboardAssets {
    static let css: StaticString = """
        :root { --ink: #1b1f24; --muted: #4b5563; --line: #d1d5db; --paper: #ffffff; --wash: #f3f4f6; --link: #0b57d0;
          --head: #10243e; --head-ink: #ffffff; --accent: #2563eb; --good: #14532d; --good-bg: #e6f4ea; --bad: #8a1c1c;
          --bad-bg: #fde8e8; }
        * { box-sizing: border-box; }
        html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink);
          background: var(--paper); line-height: 1.45; }
        body { margin: 0; }
        a { color: var(--link); }
        :focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
        header :focus-visible { outline-color: #ffd166; }
        .skip { position: absolute; left: -10000px; top: 0; background: var(--paper); padding: .5rem 1rem; }
        .skip:focus { left: .5rem; z-index: 10; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        header { background: var(--head); color: var(--head-ink); display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center;
          padding: .6rem 1.25rem; }
        header a { color: var(--head-ink); text-decoration: none; }
        header a:hover, header a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
        nav { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; }
        nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
        .brand { font-weight: 700; font-size: 1.1rem; }
        header form { display: flex; gap: .4rem; align-items: center; margin: 0; }
        header .search { flex: 1 1 14rem; }
        header .search input { flex: 1; min-width: 0; }
        .scope { font-size: .85rem; color: #dbe7ff; }
        input, select, button { font: inherit; padding: .35rem .55rem; border: 1px solid #6b7280; border-radius: 4px; background: var(--paper);
          color: var(--ink); }
        button { background: var(--accent); color: #ffffff; border-color: var(--accent); cursor: pointer; }
        button.secondary { background: var(--paper); color: var(--ink); border-color: #6b7280; }
        main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.25rem 2rem; }
        main:focus { outline: none; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.75rem 0 .6rem; }
        h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
        footer { color: var(--muted); font-size: .85rem; text-align: center; padding: 1rem; border-top: 1px solid var(--line); }
        .hint, .api { color: var(--muted); font-size: .875rem; }
        .api code { overflow-wrap: anywhere; }
        .notice { background: var(--good-bg); color: var(--good); padding: .6rem .9rem; border-radius: 4px; }
        .error { background: var(--bad-bg); color: var(--bad); padding: .6rem .9rem; border-radius: 4px; }
        .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(10.5rem, 1fr)); gap: .75rem; }
        .kpi { border: 1px solid var(--line); border-radius: 6px; padding: .75rem .9rem; }
        .kpi .label { color: var(--muted); font-size: .875rem; }
        .kpi .value { font-size: 1.6rem; font-weight: 650; }
        .kpi .was { color: var(--muted); font-size: .875rem; }
        .up { color: var(--good); } .down { color: var(--bad); }
        .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 0 2rem; }
        .table-wrap { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        caption { text-align: left; color: var(--muted); font-size: .875rem; padding-bottom: .3rem; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--wash); font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.timeline td:first-child, table.stages td:nth-child(2) { white-space: nowrap; }
        tr.suggestion:not(.first) td { border-top: none; }
        tr.suggestion td { border-bottom-color: #eceef1; }
        .chart { width: 100%; max-width: 760px; height: auto; display: block; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
        .filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
        .owner { margin-top: 1.5rem; }
        .suggestion .reason { max-width: 34rem; }
        .marks { display: flex; gap: .4rem; flex-wrap: wrap; }
        .marks form { margin: 0; }
        details summary { cursor: pointer; color: var(--link); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .9rem; margin: .4rem 0; font-size: .85rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        .badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; background: var(--wash); border: 1px solid var(--line);
          font-size: .8rem; }
        .badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #f5b5b5; }
        .badge.good { background: var(--good-bg); color: var(--good); border-color: #a7d7b5; }
        .pager { display: flex; gap: 1rem; margin: .75rem 0; }
        .login { display: flex; flex-direction: column; gap: .5rem; max-width: 24rem; }
        @media (max-width: 700px) {
          header { padding: .5rem .75rem; }
          main { padding: .75rem; }
          .kpi .value { font-size: 1.3rem; }
          th, td { padding: .35rem .35rem; }
        }
        """

    /// Filters apply as soon as one changes (each form keeps its button for keyboards and no script).
    static let js: StaticString = """
        document.querySelectorAll("form.filters select").forEach(function (select) {
          select.addEventListener("change", function () { select.form.requestSubmit(); });
        });
        """
}
