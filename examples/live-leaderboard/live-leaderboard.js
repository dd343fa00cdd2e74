/* global document, location, WebSocket */
// A game client's live board: the page is opened with ?api=<ws(s) origin of the api>&board=<id>&token=<a
// player session token the game server minted>. It subscribes to the board's top 10 on /v1/stream and
// redraws on every update; after a dropped connection it resumes from the last position it showed.
(function () {
  const params = new URLSearchParams(location.search);
  const api = params.get('api');
  const board = params.get('board');
  const token = params.get('token');
  const status = document.getElementById('status');
  const entries = document.getElementById('entries');
  document.getElementById('title').textContent = board;
  let position;

  function render(page) {
    entries.replaceChildren(
      ...page.entries.map((entry) => {
        const row = document.createElement('tr');
        for (const [text, cls] of [[entry.rank], [entry.playerId], [entry.score, 'score']]) {
          const cell = document.createElement('td');
          cell.textContent = String(text);
          if (cls) cell.className = cls;
          row.append(cell);
        }
        return row;
      }),
    );
  }

  function connect() {
    const socket = new WebSocket(`${api}/v1/stream?token=${encodeURIComponent(token)}`);
    socket.onopen = () => {
      const topic = { kind: 'board', leaderboardId: board, limit: 10 };
      socket.send(
        JSON.stringify({ type: 'subscribe', id: 'top', topic, ...(position ? { from: position } : {}) }),
      );
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'error') {
        status.textContent = `error: ${message.code}`;
        return;
      }
      position = message.position;
      render(message.data);
      status.textContent = `live at position ${position}`;
      document.body.dataset.position = String(position);
    };
    socket.onclose = (event) => {
      // 44xx: refused (expired or invalid token...): a new token is needed, not a retry. 4409: too far behind,
      // so it resumes like after a drop.
      if (event.code >= 4400 && event.code < 4500 && event.code !== 4409) {
        status.textContent = `closed: ${event.reason} (${event.code})`;
        return;
      }
      status.textContent = 'reconnecting';
      setTimeout(connect, 1000);
    };
  }
  connect();
})();
