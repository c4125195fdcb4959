import { useQueryParam } from '../app/router'
import type { ChartSettings } from './LineChart'
import { formatSmoothing, parseSmoothing, type Smoothing } from './smoothing'

function parseZoom(text: string | null): [number, number] | null {
  if (text === null) return null
  const [a, b] = text.split(':').map(Number)
  return Number.isFinite(a) && Number.isFinite(b) && a! < b! ? [a!, b!] : null
}

/** Chart settings read from and written to the address, so a copied URL restores the view. */
export function useChartSettings(): {
  settings: ChartSettings
  setXAxis: (x: string) => void
  setSmoothing: (s: Smoothing) => void
  setLogX: (on: boolean) => void
  setLogY: (on: boolean) => void
  setHideInherited: (on: boolean) => void
  setZoom: (range: [number, number] | null) => void
} {
  const [x, setX] = useQueryParam('x')
  const [smoothing, setSmoothing] = useQueryParam('smooth')
  const [logx, setLogx] = useQueryParam('logx')
  const [logy, setLogy] = useQueryParam('logy')
  const [own, setOwn] = useQueryParam('own')
  const [zoom, setZoom] = useQueryParam('zoom')
  const xAxis = x ?? '_step'
  return {
    settings: {
      xAxis,
      smoothing: parseSmoothing(smoothing),
      logX: logx === '1',
      logY: logy === '1',
      hideInherited: own === '1',
      zoom: parseZoom(zoom),
    },
    setXAxis: (next) => {
      setZoom(null)
      setX(next === '_step' ? null : next)
    },
    setSmoothing: (s) => setSmoothing(formatSmoothing(s)),
    setLogX: (on) => setLogx(on ? '1' : null),
    setLogY: (on) => setLogy(on ? '1' : null),
    setHideInherited: (on) => setOwn(on ? '1' : null),
    setZoom: (range) => setZoom(range ? `${round(range[0])}:${round(range[1])}` : null),
  }
}

function round(v: number): string {
  return String(Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(6)))
}
