import type { ChartSettings } from './LineChart'
import type { Smoothing } from './smoothing'
import type { useChartSettings } from './settings'

type Controls = ReturnType<typeof useChartSettings>

const SMOOTHING_DEFAULTS: Record<Smoothing['kind'], Smoothing> = {
  none: { kind: 'none' },
  ema: { kind: 'ema', weight: 0.6 },
  average: { kind: 'average', window: 10 },
  gaussian: { kind: 'gaussian', sigma: 10 },
}

/** X axis, smoothing, log scales and the zoom reset, shared by every panel on the page. */
export function ChartControls({ controls, axisMetrics }: { controls: Controls; axisMetrics: string[] }) {
  const s: ChartSettings = controls.settings
  const sm = s.smoothing
  return (
    <div className="chart-controls">
      <label>
        X axis{' '}
        <select aria-label="X axis" value={s.xAxis} onChange={(e) => controls.setXAxis(e.target.value)}>
          <option value="_step">Step</option>
          <option value="_runtime">Relative time</option>
          <option value="_timestamp">Wall time</option>
          {axisMetrics.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label>
        Smoothing{' '}
        <select
          aria-label="Smoothing"
          value={sm.kind}
          onChange={(e) => controls.setSmoothing(SMOOTHING_DEFAULTS[e.target.value as Smoothing['kind']])}
        >
          <option value="none">None</option>
          <option value="ema">Time-weighted EMA</option>
          <option value="average">Running average</option>
          <option value="gaussian">Gaussian</option>
        </select>
      </label>
      {sm.kind === 'ema' && (
        <input
          aria-label="EMA weight"
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={sm.weight}
          onChange={(e) => controls.setSmoothing({ kind: 'ema', weight: Number(e.target.value) })}
        />
      )}
      {sm.kind === 'average' && (
        <input
          aria-label="Window"
          type="number"
          min={1}
          value={sm.window}
          onChange={(e) =>
            controls.setSmoothing({
              kind: 'average',
              window: Math.max(1, Math.round(Number(e.target.value))),
            })
          }
        />
      )}
      {sm.kind === 'gaussian' && (
        <input
          aria-label="Sigma"
          type="number"
          min={0.1}
          step="any"
          value={sm.sigma}
          onChange={(e) =>
            controls.setSmoothing({ kind: 'gaussian', sigma: Math.max(0.1, Number(e.target.value)) })
          }
        />
      )}
      <label>
        <input type="checkbox" checked={s.logX} onChange={(e) => controls.setLogX(e.target.checked)} /> log x
      </label>
      <label>
        <input type="checkbox" checked={s.logY} onChange={(e) => controls.setLogY(e.target.checked)} /> log y
      </label>
      <label title="Forked runs: leave out the steps inherited from the parent">
        <input
          type="checkbox"
          checked={s.hideInherited}
          onChange={(e) => controls.setHideInherited(e.target.checked)}
        />{' '}
        hide inherited
      </label>
      {s.zoom && (
        <button type="button" className="ghost" onClick={() => controls.setZoom(null)}>
          Reset zoom
        </button>
      )}
    </div>
  )
}
