// flowtrail's UI: the charts (ECharts), the traffic graph (Cytoscape.js)
// and the Alpine components. Nothing here is inline in a page: the
// Content-Security-Policy forbids inline scripts, and Alpine's CSP build
// only calls what is registered below.
(function () {
  'use strict';

  var colors = { accept: '#2e7d32', reject: '#c62828', other: '#9e9e9e', workload: '#1565c0', address: '#6a1b9a', external: '#ef6c00', folded: '#757575' };

  function jsonData(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function fmtBytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + units[i];
  }

  function fmtNum(n) { return Number(n).toLocaleString('en-US'); }

  // narrow sets the page's time range to [t, t + seconds) and reloads.
  function narrow(t, seconds) {
    var u = new URL(window.location.href);
    var from = new Date(t);
    u.searchParams.set('since', from.toISOString().replace('.000Z', 'Z'));
    u.searchParams.set('until', new Date(from.getTime() + seconds * 1000).toISOString().replace('.000Z', 'Z'));
    window.location.href = u.toString();
  }

  function baseOption(el) {
    return {
      animation: false,
      grid: { left: 70, right: 70, top: 30, bottom: 40 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'time' }
    };
  }

  // volumeChart: accepted and rejected per bucket, bytes or records.
  function volumeChart(el, points) {
    var bytes = el.dataset.measure === 'bytes';
    var pick = function (p, which) { return bytes ? p[which + '_bytes'] : p[which + '_records']; };
    var opt = baseOption(el);
    opt.grid.right = 24;
    opt.yAxis = { type: 'value', axisLabel: { formatter: bytes ? fmtBytes : fmtNum } };
    opt.tooltip.valueFormatter = bytes ? fmtBytes : fmtNum;
    opt.series = ['accepted', 'rejected'].map(function (which) {
      return {
        name: which, type: 'bar', stack: 'v', barMaxWidth: 12,
        itemStyle: { color: which === 'accepted' ? colors.accept : colors.reject },
        data: points.map(function (p) { return [p.time, pick(p, which)]; })
      };
    });
    return opt;
  }

  // hourlyChart: a pivot's records per hour, and bytes each way.
  function hourlyChart(el, hours) {
    var opt = baseOption(el);
    opt.yAxis = [{ type: 'value', name: 'records', axisLabel: { formatter: fmtNum } },
      { type: 'value', name: 'bytes', axisLabel: { formatter: fmtBytes } }];
    opt.series = [
      { name: 'records', type: 'bar', barMaxWidth: 14, itemStyle: { color: colors.workload }, data: hours.map(function (h) { return [h.hour, h.records]; }) },
      { name: 'rejected', type: 'bar', barMaxWidth: 14, itemStyle: { color: colors.reject }, data: hours.map(function (h) { return [h.hour, h.rejected]; }) },
      { name: 'bytes out', type: 'line', yAxisIndex: 1, showSymbol: false, itemStyle: { color: colors.external }, data: hours.map(function (h) { return [h.hour, h.bytes_out]; }) },
      { name: 'bytes in', type: 'line', yAxisIndex: 1, showSymbol: false, itemStyle: { color: colors.address }, data: hours.map(function (h) { return [h.hour, h.bytes_in]; }) }
    ];
    return opt;
  }

  var builders = { volume: volumeChart, hourly: hourlyChart };

  function initCharts(root) {
    if (typeof echarts === 'undefined') return;
    root.querySelectorAll('[data-chart]').forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = jsonData(el.dataset.source) || [];
      var build = builders[el.dataset.chart];
      if (!build) return;
      var chart = echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(build(el, data));
      var bucket = Number(el.dataset.bucket || 0);
      if (bucket > 0) {
        chart.on('click', function (p) { narrow(p.value[0], bucket); });
      }
      el.dataset.drawn = String(data.length);
      charts.push(chart);
    });
  }

  var charts = [];
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.addEventListener('DOMContentLoaded', function () { initCharts(document); });
  document.addEventListener('htmx:afterSettle', function (e) { initCharts(e.target); });

  // --- the traffic graph ---

  function groupOf(n, mode) {
    if (mode === 'none') return null;
    // Public addresses talk to every VPC: a box around them would span the
    // drawing, so they float.
    if (n.kind === 'external' || n.kind === 'other') return null;
    var key = mode === 'vpc' ? n.vpc_id : n.account_id;
    return key || null;
  }

  function elements(g, mode) {
    var els = [];
    var groups = {};
    var maxBytes = 1;
    g.edges.forEach(function (e) { maxBytes = Math.max(maxBytes, e.bytes); });
    var maxNode = 1;
    g.nodes.forEach(function (n) { maxNode = Math.max(maxNode, n.bytes); });
    var fNodes = g.flagged_nodes || {}, fEdges = g.flagged_edges || {};
    g.nodes.forEach(function (n) {
      var parent = groupOf(n, mode);
      if (parent && !groups[parent]) {
        groups[parent] = true;
        els.push({ group: 'nodes', data: { id: 'group:' + parent, label: parent, kind: 'group' } });
      }
      var size = 14 + 36 * Math.log(1 + n.bytes) / Math.log(1 + maxNode);
      var d = { id: n.id, label: n.label, kind: n.kind, size: size, pivot: n.pivot || null, bytes: n.bytes, finding: fNodes[n.id] || '' };
      if (parent) d.parent = 'group:' + parent;
      els.push({ group: 'nodes', data: d });
    });
    g.edges.forEach(function (e, i) {
      var w = 1 + 7 * Math.log(1 + e.bytes) / Math.log(1 + maxBytes);
      els.push({ group: 'edges', data: { id: 'e' + i, source: e.source, target: e.target, action: e.action, width: w, bytes: e.bytes, records: e.records, finding: fEdges[e.source + '>' + e.target] || '' } });
    });
    return els;
  }

  var graphStyle = [
    { selector: 'node', style: { 'label': 'data(label)', 'font-size': 9, 'min-zoomed-font-size': 7, 'width': 'data(size)', 'height': 'data(size)', 'background-color': colors.address, 'color': '#222', 'text-valign': 'bottom', 'text-margin-y': 2 } },
    { selector: 'node[kind = "workload"]', style: { 'background-color': colors.workload, 'shape': 'round-rectangle', 'font-size': 11, 'font-weight': 'bold' } },
    { selector: 'node[kind = "external"]', style: { 'background-color': colors.external, 'shape': 'diamond' } },
    { selector: 'node[kind = "other"]', style: { 'background-color': colors.folded, 'shape': 'hexagon' } },
    { selector: 'node[kind = "group"]', style: { 'background-color': '#eceff1', 'background-opacity': 0.6, 'border-color': '#b0bec5', 'border-width': 1, 'label': 'data(label)', 'text-valign': 'top', 'font-size': 11, 'color': '#455a64', 'shape': 'round-rectangle' } },
    { selector: 'edge', style: { 'width': 'data(width)', 'line-color': colors.accept, 'opacity': 0.55, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'target-arrow-color': colors.accept, 'arrow-scale': 0.6 } },
    { selector: 'edge[action = "REJECT"]', style: { 'line-color': colors.reject, 'target-arrow-color': colors.reject, 'line-style': 'dashed' } },
    { selector: 'node[?finding]', style: { 'border-width': 3, 'border-color': '#8e24aa' } },
    { selector: 'node[finding = "high"], node[finding = "critical"]', style: { 'border-width': 4, 'border-color': '#4a148c' } },
    { selector: 'edge[?finding]', style: { 'line-color': '#8e24aa', 'target-arrow-color': '#8e24aa', 'opacity': 0.9, 'z-index': 10 } },
    { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#000' } }
  ];

  // layoutOptions: Cytoscape's force-directed layout, which keeps the
  // members of a group (VPC, account) together; strong repulsion and long
  // edges keep the groups apart.
  function layoutOptions(n) {
    if (typeof cytoscapeFcose !== 'undefined') {
      return {
        name: 'fcose', quality: n > 1000 ? 'draft' : 'default', animate: false, randomize: true, packComponents: true,
        nodeRepulsion: function () { return 30000; }, idealEdgeLength: function () { return 110; }, edgeElasticity: function () { return 0.2; },
        nestingFactor: 0.1, gravity: 0.2, gravityCompound: 2.0, gravityRangeCompound: 1.0, numIter: 2500, padding: 20,
        nodeDimensionsIncludeLabels: false, tile: true
      };
    }
    return { name: 'cose', animate: false, randomize: true, numIter: n > 800 ? 800 : 2500 };
  }

  // held outside Alpine's reactive state: a Cytoscape instance must not
  // be wrapped in a proxy.
  var held = { cy: null, data: null };

  var fcoseRegistered = false;

  function drawGraph(state, el, g) {
    if (!fcoseRegistered && typeof cytoscapeFcose !== 'undefined') {
      cytoscape.use(cytoscapeFcose);
      fcoseRegistered = true;
    }
    if (held.cy) held.cy.destroy();
    var cy = cytoscape({
      container: el, elements: elements(g, state.group), style: graphStyle, wheelSensitivity: 0.3,
      layout: layoutOptions(g.nodes.length)
    });
    cy.on('tap', 'node', function (evt) {
      var p = evt.target.data('pivot');
      if (!p) return;
      var u = new URL('/pivot', window.location.origin);
      var cur = new URL(window.location.href);
      ['since', 'until'].forEach(function (k) { if (cur.searchParams.get(k)) u.searchParams.set(k, cur.searchParams.get(k)); });
      u.searchParams.set('kind', p.kind);
      u.searchParams.set('value', p.value);
      window.location.href = u.toString();
    });
    held.cy = cy;
    el.flowtrailGraph = cy; // for the browser tests, which click a node
    state.refilter();
    el.dataset.nodes = String(g.nodes.length);
    el.dataset.edges = String(g.edges.length);
    state.status = g.nodes.length + ' nodes, ' + g.edges.length + ' edges' +
      (g.folded_addresses ? ', ' + g.folded_addresses + ' of ' + g.addresses + ' addresses folded' : '') +
      (g.dropped_edges ? ', ' + g.dropped_edges + ' smallest edges left out' : '') +
      (g.hunt === 'done' ? '; findings in purple' : g.hunt === 'running' ? '; the hunt is still running: reload to see findings marked' : '');
  }

  document.addEventListener('alpine:init', function () {
    Alpine.data('sqlConsole', function () {
      return {
        named: '',
        init: function () { this.named = this.$el.dataset.named || ''; },
        run: function () { htmx.trigger('#run', 'click'); }
      };
    });

    Alpine.data('graph', function () {
      return {
        group: 'vpc', showAccepted: true, showRejected: true, status: 'loading…',
        init: function () {
          var self = this;
          var el = document.getElementById('graph');
          fetch(el.dataset.src, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
            .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
            .then(function (res) {
              if (!res.ok) { self.status = res.body.error || 'cannot load the graph'; return; }
              held.data = res.body;
              drawGraph(self, el, res.body);
            })
            .catch(function (e) { self.status = 'cannot load the graph: ' + e; });
        },
        regroup: function () { if (held.data) drawGraph(this, document.getElementById('graph'), held.data); },
        refilter: function () {
          if (!held.cy) return;
          held.cy.edges('[action = "ACCEPT"]').style('display', this.showAccepted ? 'element' : 'none');
          held.cy.edges('[action = "REJECT"]').style('display', this.showRejected ? 'element' : 'none');
        }
      };
    });
  });
})();
