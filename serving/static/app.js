// Draws every chart of the page from the figure JSON the server put beside it.
document.querySelectorAll(".chart[data-figure]").forEach((div) => {
  const figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
  Plotly.newPlot(div, figure.data, figure.layout, { displaylogo: false, responsive: true });
});
