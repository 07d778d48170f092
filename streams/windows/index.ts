export { TimeWindows, windowClosed } from './time-windows.ts';
export { SlidingWindows, slidingWindowsOver } from './sliding-windows.ts';
export { SessionWindows, sessionOverlaps, sessionsOver } from './session-windows.ts';
export { JoinWindows } from './join-windows.ts';
