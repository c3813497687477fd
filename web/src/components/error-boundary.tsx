import { Component, type ErrorInfo, type ReactNode } from 'react';

/** A rendering bug shows a way out instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('untxt console crashed', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main id="main" className="page">
        <div className="empty" role="alert" data-testid="crash">
          <h1>Something went wrong</h1>
          <p className="muted">{this.state.error.message}</p>
          <button type="button" className="button" onClick={() => location.assign('/')}>
            Reload
          </button>
        </div>
      </main>
    );
  }
}
