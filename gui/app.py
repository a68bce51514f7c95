"""The drawing workbench window: draw a digit, see what every model makes of it.

A thin Tk layer over pure functions: `gui.drawing.Drawing` keeps the strokes and their
off-screen mirror, `workbench.drawing.preprocess.prepare` turns the mirror into the 28x28 input,
`workbench.models.registry` loads the models, and `gui.verdict` decides what to say. This module
only lays out widgets and wires events to those.

Threads: TensorFlow takes seconds to import, so Keras models load in a worker thread after
the window is up, and "imagine" (hundreds of gradient steps) runs in one too. Workers never
touch Tk: they put results on a queue that the Tk thread polls.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import tkinter as tk
import traceback
from collections.abc import Callable
from pathlib import Path
from tkinter import filedialog, ttk

import numpy as np
from matplotlib.backends.backend_tkagg import FigureCanvasTkAgg
from matplotlib.figure import Figure
from PIL import Image, ImageTk

from gui import pictures
from gui.drawing import CANVAS_SIZE, Drawing
from gui.explainer import Explainer, Explanation, Request
from gui.inside_view import InsidePanel
from gui.my_drawings_panel import MyDrawingsPanel
from gui.model_state import LOADING, READY, ModelBoard
from gui.verdict import Opinion, agreement, opinion, single_verdict
from scratch.files import atomic_path
from workbench.data.my_drawings import LabelledDrawing, save_drawing
from workbench.drawing.preprocess import DEFAULT_WIDTH, Prepared, open_picture, prepare
from workbench.models.adapter import Classifier
from workbench.models.frameworks import adapter_for
from workbench.models.confidence import SureRule, load_rule, weights_sha256
from workbench.models.registry import CALIBRATION, DEFAULT_FOLDER, ModelInfo, ModelUnavailable, available_models, load

ROOT = Path(__file__).resolve().parent.parent
NUMBER_IMAGES = ROOT / "number_images"
SAVE_FOLDER = Path("saved_gui_images")
MY_DRAWINGS = Path("my_drawings")
DEBOUNCE_MS = 40          # a stroke's end waits this long for another before predicting
POLL_MS = 15              # how often the Tk thread looks for results from worker threads
PIXEL_ZOOM = 6            # the 28x28 view, enlarged so its pixels show
DIGIT_PICTURE = 110       # pixels, the predicted digit's picture
BAR_AREA = (300, 40)      # compare-all: width and height of one model's ten bars
MAP_ZOOM = 2              # compare-all: each model's saliency map, 56x56 pixels
ROW_HEIGHT = 66
ANSWER = "its answer"
COLOURS = {"bar": "#4a7bd0", "top": "#e0822a", "disagree": "#fde0dc", "unsure": "#c0392b", "grey": "#9a9a9a"}


class App:
    """The workbench window. `folder` is where models are found (the registry's default)."""

    def __init__(self, root: tk.Tk, folder: str | Path = DEFAULT_FOLDER, my_drawings: str | Path = MY_DRAWINGS) -> None:
        self.root, self.folder = root, Path(folder)
        self.my_drawings_folder = Path(my_drawings)
        self.drawing = Drawing()
        self.board = ModelBoard()                          # every model listed, its state, the chosen one
        self.prepared: Prepared | None = None
        self.opinions: dict[str, Opinion] = {}
        self.rule: SureRule | None = None          # fitted "sure" rule from calibration.json (see gui.verdict)
        self.rule_problem = ""
        self.updates = 0                                   # predictions shown so far (tests and benchmark)
        self.last_update_at = 0.0                          # time.perf_counter() when the last one was shown
        self._results: queue.Queue = queue.Queue()
        self._pending_predict: str | None = None
        self._photos: dict[str, ImageTk.PhotoImage] = {}   # Tk forgets images nobody holds
        self._imagining = False
        self.shown_digit: int | None = None                # the big digit on show (None: "?")
        self.generation = 0                                # predictions made; explanations carry it back
        self.explanation: Explanation | None = None        # saliency and hidden layers of the newest drawing
        self.views_updated = 0                             # explanations shown so far (tests and benchmark)
        self.explainer = Explainer(self._results)

        root.title("Digit Workbench")
        root.report_callback_exception = self._report_exception
        self.method = tk.StringVar(value="mnist")
        self.width = tk.IntVar(value=DEFAULT_WIDTH)
        self.status = tk.StringVar(value="Draw a digit with the mouse.")
        self.verdict = tk.StringVar(value="")
        self.compare_message = tk.StringVar(value="")
        self.imagine_digit = tk.IntVar(value=3)
        self.show_why = tk.BooleanVar(value=False)
        self.why_digit = tk.StringVar(value=ANSWER)
        self.why_caption = tk.StringVar(value="")
        self._build_layout()
        self._bind_keys()
        root.after(0, self._load_models)
        root.after(POLL_MS, self._poll_results)

    # --- layout ---------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        outer = ttk.Frame(self.root, padding=8)
        outer.grid(sticky="nsew")
        self.root.columnconfigure(0, weight=1)
        self.root.rowconfigure(0, weight=1)
        outer.columnconfigure(1, weight=1)
        outer.rowconfigure(0, weight=1)
        self._build_drawing_side(outer).grid(row=0, column=0, sticky="n", padx=(0, 10))
        self._build_model_side(outer).grid(row=0, column=1, sticky="nsew")
        ttk.Label(outer, textvariable=self.status, anchor="w", relief="sunken", padding=(4, 2)).grid(
            row=1, column=0, columnspan=2, sticky="ew", pady=(8, 0))

    def _build_drawing_side(self, parent: ttk.Frame) -> ttk.Frame:
        side = ttk.Frame(parent)
        self.canvas = tk.Canvas(side, width=CANVAS_SIZE, height=CANVAS_SIZE, bg="white", highlightthickness=1,
                                highlightbackground="#888", cursor="pencil")
        self.canvas.grid(row=0, column=0, columnspan=3)
        self.canvas.bind("<ButtonPress-1>", self._pen_down)
        self.canvas.bind("<B1-Motion>", self._pen_move)
        self.canvas.bind("<ButtonRelease-1>", self._pen_up)

        buttons = ttk.Frame(side)
        buttons.grid(row=1, column=0, columnspan=3, pady=4, sticky="ew")
        for column, (text, command) in enumerate((("Predict ⏎", self.predict), ("Clear Esc", self.clear),
                                                  ("Undo ^Z", self.undo), ("Save… ^S", self.ask_save),
                                                  ("Open… ^O", self.ask_open))):
            ttk.Button(buttons, text=text, command=command, width=9).grid(row=0, column=column, padx=1)

        labels = ttk.Frame(side)
        labels.grid(row=2, column=0, columnspan=3, pady=(0, 4), sticky="w")
        ttk.Label(labels, text="This is a:").grid(row=0, column=0, padx=(0, 4))
        self.label_buttons = []
        for digit in range(10):
            button = ttk.Button(labels, text=str(digit), width=2, command=lambda d=digit: self.label_drawing(d))
            button.grid(row=0, column=digit + 1)
            self.label_buttons.append(button)

        ttk.Label(side, text="Brush").grid(row=3, column=0, sticky="w")
        ttk.Scale(side, from_=6, to=48, variable=self.width, orient="horizontal",
                  command=lambda _: self.width.set(round(float(self.width.get())))).grid(
            row=3, column=1, columnspan=2, sticky="ew")

        view = ttk.LabelFrame(side, text="What the models see (28x28)", padding=4)
        view.grid(row=4, column=0, columnspan=3, sticky="ew", pady=(6, 0))
        self.pixel_view = tk.Label(view, bg="black")
        self.pixel_view.grid(row=0, column=0, rowspan=3)
        self._show_pixels(np.zeros((28, 28), np.float32))
        ttk.Radiobutton(view, text="MNIST-style\n(crop, 20 px, centre\nof mass)", value="mnist",
                        variable=self.method, command=self.predict).grid(row=0, column=1, sticky="w", padx=6)
        ttk.Radiobutton(view, text="Plain resize\n(squeeze the canvas)", value="resize", variable=self.method,
                        command=self.predict).grid(row=1, column=1, sticky="w", padx=6)
        why = ttk.Frame(view)
        why.grid(row=2, column=1, sticky="w", padx=6)
        ttk.Checkbutton(why, text="Show why, for", variable=self.show_why, command=self._why_changed).grid(
            row=0, column=0, sticky="w")
        chooser = ttk.Combobox(why, textvariable=self.why_digit, values=[ANSWER, *map(str, range(10))], width=10,
                               state="readonly")
        chooser.grid(row=1, column=0, sticky="w")
        chooser.bind("<<ComboboxSelected>>", lambda event: self._why_changed())
        ttk.Label(view, textvariable=self.why_caption, wraplength=300, foreground=COLOURS["grey"]).grid(
            row=3, column=0, columnspan=2, sticky="w")
        return side

    def _build_model_side(self, parent: ttk.Frame) -> ttk.Notebook:
        self.tabs = ttk.Notebook(parent)
        self.tabs.add(self._build_single_tab(self.tabs), text="Chosen model")
        self.tabs.add(self._build_compare_tab(self.tabs), text="Compare all")
        self.tabs.add(self._build_imagine_tab(self.tabs), text="Imagine")
        self.inside = InsidePanel(self.tabs)
        self.tabs.add(self.inside, text="Inside")
        self.my_drawings = MyDrawingsPanel(self.tabs, self.my_drawings_folder, lambda: self.classifiers,
                                           lambda: self.chosen, self.run_in_background, self.open_drawing,
                                           self.status.set)
        self.tabs.add(self.my_drawings, text="My drawings")
        self.tabs.bind("<<NotebookTabChanged>>", self._tab_changed)
        return self.tabs

    def _tab_changed(self, event=None) -> None:
        self.chart.draw_idle()
        if self.tabs.select() == str(self.my_drawings):
            self.my_drawings.refresh()

    def _build_single_tab(self, parent: ttk.Notebook) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=6)
        tab.columnconfigure(1, weight=1)
        ttk.Label(tab, text="Model").grid(row=0, column=0, sticky="nw")
        self.chooser = tk.Listbox(tab, height=6, exportselection=False, activestyle="none")
        self.chooser.grid(row=0, column=1, sticky="ew")
        self.chooser.bind("<<ListboxSelect>>", self._chooser_changed)
        self.chooser_note = tk.StringVar(value="")
        ttk.Label(tab, textvariable=self.chooser_note, foreground=COLOURS["grey"], wraplength=420).grid(
            row=1, column=1, sticky="w")

        answer = ttk.Frame(tab)
        answer.grid(row=2, column=0, columnspan=2, sticky="ew", pady=6)
        self.digit_picture = tk.Label(answer, bg="#f6f6f6")
        self.digit_picture.grid(row=0, column=0, rowspan=2)
        self.verdict_label = ttk.Label(answer, textvariable=self.verdict, wraplength=330, font=("TkDefaultFont", 12))
        self.verdict_label.grid(row=0, column=1, sticky="w", padx=10)

        self.figure = Figure(figsize=(4.6, 2.3), dpi=100)
        self.axes = self.figure.add_subplot()
        self.bars = self.axes.bar(range(10), np.zeros(10), color=COLOURS["bar"])
        self.axes.set(xticks=range(10), ylim=(0, 1), xlabel="digit", ylabel="output activation")
        self.figure.tight_layout()
        self.chart = FigureCanvasTkAgg(self.figure, master=tab)
        self.chart.get_tk_widget().grid(row=3, column=0, columnspan=2, sticky="ew")
        return tab

    def _build_compare_tab(self, parent: ttk.Notebook) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=6)
        self.compare_label = ttk.Label(tab, textvariable=self.compare_message, wraplength=480,
                                       font=("TkDefaultFont", 11))
        self.compare_label.grid(row=0, column=0, sticky="w")
        self.compare = tk.Canvas(tab, width=560 + 28 * MAP_ZOOM + 10, height=ROW_HEIGHT * 5 + 10, bg="white",
                                 highlightthickness=0)
        self.compare.grid(row=1, column=0, sticky="nsew", pady=4)
        return tab

    def _build_imagine_tab(self, parent: ttk.Notebook) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=6)
        ttk.Label(tab, text="What does the chosen model think this digit looks like?", wraplength=440).grid(
            row=0, column=0, columnspan=3, sticky="w")
        ttk.Spinbox(tab, from_=0, to=9, textvariable=self.imagine_digit, width=3, state="readonly").grid(
            row=1, column=0, sticky="w", pady=4)
        self.imagine_button = ttk.Button(tab, text="Imagine", command=self.imagine)
        self.imagine_button.grid(row=1, column=1, sticky="w")
        self._photos["imagined"] = ImageTk.PhotoImage(Image.new("L", (28 * 8, 28 * 8), 0), master=self.root)
        self.imagined = tk.Label(tab, bg="black", image=self._photos["imagined"])
        self.imagined.grid(row=2, column=0, columnspan=3, sticky="w", pady=4)
        self.imagine_note = tk.StringVar(value="Gradient descent on the input image: start from nearly blank "
                                               "paper, change the pixels to lower the cost of the digit, keep "
                                               "it smooth.")
        ttk.Label(tab, textvariable=self.imagine_note, wraplength=440).grid(row=3, column=0, columnspan=3, sticky="w")
        return tab

    def _bind_keys(self) -> None:
        for key, action in (("<Return>", self.predict), ("<KP_Enter>", self.predict), ("<Escape>", self.clear),
                            ("<Control-z>", self.undo), ("<Control-s>", self.ask_save),
                            ("<Control-o>", self.ask_open)):
            self.root.bind(key, lambda event, action=action: action())

    # --- models ---------------------------------------------------------------------------------

    @property
    def models(self) -> dict[str, ModelInfo]:
        """Every model listed, in registry order."""
        return {name: entry.info for name, entry in self.board.entries.items()}

    @property
    def classifiers(self) -> dict[str, Classifier]:
        """The models that answer."""
        return self.board.ready()

    @property
    def unavailable(self) -> dict[str, str]:
        """Name -> why it cannot be used."""
        return self.board.unavailable()

    @property
    def loading(self) -> list[str]:
        return self.board.loading()

    @property
    def chosen(self) -> str | None:
        return self.board.chosen

    def _load_models(self) -> None:
        """List the folder now (milliseconds); load every model in a worker thread, quick frameworks first,
        so the window never freezes on a big or hostile model file and scratch models answer at once."""
        try:
            infos = available_models(self.folder)
        except OSError as e:
            infos = []
            self.status.set(f"{e}. Choose another folder with --models-dir, or run python -m builders.")
        self.board.set_listed(infos)
        # calibration.json is small and plain JSON: read here; a missing or broken one only means "not calibrated"
        self.rule, self.rule_problem = load_rule(self.folder / CALIBRATION) if infos else (None, "")
        to_load = sorted((info for info in infos if info.usable),
                         key=lambda info: adapter_for(info.framework).loads_slowly)
        if any(adapter_for(info.framework).loads_slowly for info in to_load):
            self.status.set("Loading the models (TensorFlow starts in the background)…")
        self._refresh_chooser()
        self._announce_models()
        self._show_outputs()
        if to_load:
            # Only once the window is drawn: importing TensorFlow holds the GIL for long stretches.
            thread = threading.Thread(target=self._load_in_background, args=(to_load,), daemon=True)
            self.root.after(50, thread.start)

    def _load_in_background(self, infos: list[ModelInfo]) -> None:
        for info in infos:
            try:
                self._results.put(("loaded", info.name, load(info)))
            except ModelUnavailable as e:
                self._results.put(("failed", info.name, str(e)))
            except Exception as e:      # a model file we did not foresee must not stop the others
                self._results.put(("failed", info.name, f"{info.name}: cannot be loaded: {type(e).__name__}: {e}"))

    def _poll_results(self) -> None:
        """Take what worker threads finished (models, imagined digits) into the window."""
        try:
            self._take_results()
        finally:                                   # whatever happened, keep listening
            self.root.after(POLL_MS, self._poll_results)

    def _take_results(self) -> None:
        changed = False
        while True:
            try:
                kind, name, value = self._results.get_nowait()
            except queue.Empty:
                break
            if kind == "loaded" and name in self.board.entries:
                self.board.loaded(name, value)
                changed = True
            elif kind == "failed" and name in self.board.entries:
                self.board.failed(name, value)
                changed = True
            elif kind == "imagined":
                self._show_imagined(name, *value)
            elif kind == "work":
                name(value)                        # the callback of run_in_background, with its result
            elif kind == "explained" and name == self.generation:
                self.explanation = value
                self._show_explanation()
        if changed:
            self._refresh_chooser()
            self._announce_models()
            self.predict()

    def _announce_models(self) -> None:
        if self.board.still_loading():
            return
        broken = [f"{n}: {why}" for n, why in self.board.unavailable().items()]
        ready = f"{len(self.board.ready())} model(s) ready."
        uncalibrated = [name for name, c in self.board.ready().items() if self._rule_for(name, c) is None]
        if self.board.ready() and uncalibrated:
            ready += (f" Confidence not calibrated ({self.rule_problem})." if self.rule is None else
                      f" Not calibrated (rebuilt or new since calibration.json): {', '.join(uncalibrated)}.")
        if not self.board.entries:
            if not self.folder.is_dir():
                return            # _load_models said the folder is missing
            ready = f"No models in {self.folder}/: run python -m builders to train them."
        self.status.set(ready + (" Not available: " + "; ".join(broken) if broken else ""))

    def _refresh_chooser(self) -> None:
        self.chooser.delete(0, "end")
        for index, name in enumerate(self.board.names):
            self.chooser.insert("end", self.board.label(name))
            if self.board.state(name) != READY:
                self.chooser.itemconfigure(index, foreground=COLOURS["grey"])
        if self.board.chosen is not None:
            index = self.board.names.index(self.board.chosen)
            self.chooser.selection_clear(0, "end")
            self.chooser.selection_set(index)
            self.chooser.see(index)

    def _chooser_changed(self, event=None) -> None:
        selection = self.chooser.curselection()
        if not selection:
            return
        name = self.board.names[selection[0]]
        if self.board.state(name) == READY:
            self.choose(name)
        else:
            why = "still loading (TensorFlow starts in the background)" if self.board.state(name) == LOADING \
                else self.board.unavailable().get(name, "unavailable")
            self.chooser_note.set(f"{name} cannot be chosen: {why}")
            self._refresh_chooser()            # keep the previous choice selected

    def choose(self, name: str) -> None:
        """Make `name` the chosen model (it must be ready)."""
        self.board.choose(name)
        info = self.board.entries[name].info
        self.chooser_note.set(info.summary or "")
        self._refresh_chooser()
        self._show_outputs()

    # --- drawing --------------------------------------------------------------------------------

    def _pen_down(self, event: tk.Event) -> None:
        self._cancel_pending_predict()
        width = int(self.width.get())
        self.drawing.start_stroke(event.x, event.y, width)
        r = width / 2
        self.canvas.create_oval(event.x - r, event.y - r, event.x + r, event.y + r, fill="black", outline="",
                                tags=("ink", self._stroke_tag()))

    def _pen_move(self, event: tk.Event) -> None:
        previous = self.drawing.extend_stroke(event.x, event.y)
        if previous is not None:
            self.canvas.create_line(*previous, event.x, event.y, width=self.drawing.strokes[-1][1], fill="black",
                                    capstyle="round", joinstyle="round", tags=("ink", self._stroke_tag()))

    def _pen_up(self, event: tk.Event) -> None:
        self._pen_move(event)
        self._cancel_pending_predict()
        self._pending_predict = self.root.after(DEBOUNCE_MS, self.predict)

    def _stroke_tag(self) -> str:
        return f"stroke{len(self.drawing.strokes) - 1}"

    def _cancel_pending_predict(self) -> None:
        if self._pending_predict is not None:
            self.root.after_cancel(self._pending_predict)
            self._pending_predict = None

    def clear(self) -> None:
        self._cancel_pending_predict()
        self.drawing.clear()
        self.canvas.delete("all")
        self.predict()

    def undo(self) -> None:
        self._cancel_pending_predict()
        had_strokes = bool(self.drawing.strokes)
        if not self.drawing.undo():
            self.status.set("Nothing to undo.")
            return
        self.canvas.delete(f"stroke{len(self.drawing.strokes)}" if had_strokes else "picture")
        self.predict()

    # --- predicting -----------------------------------------------------------------------------

    def predict(self) -> None:
        """Prepare the drawing, run every loaded model on it, and show the results."""
        self._pending_predict = None
        self.prepared = prepare(self.drawing.mirror, self.method.get())
        if not self.show_why.get():
            self._show_pixels(self.prepared.pixels)
        self.opinions = {}
        if not self.prepared.empty:
            for name, classifier in list(self.classifiers.items()):
                try:
                    outputs = classifier.predict_proba(self.prepared.pixels[None])[0]
                    rule = self._rule_for(name, classifier)
                    self.opinions[name] = opinion(outputs, rule, name, self._features_for(name, classifier, rule))
                except Exception as e:     # one broken model must not take the others down
                    self.board.failed(name, f"{name}: failed to predict: {e}")
                    self._refresh_chooser()
                    self._announce_models()
        self._show_outputs()
        self._request_explanation()

    def _features_for(self, name: str, classifier: Classifier, rule: SureRule | None) -> np.ndarray | None:
        """The model's last hidden layer for the drawing, if compare-all's likeness reads it (one small forward
        pass more); None if not, or if it cannot be computed (compare-all then says so and uses the old rule)."""
        if rule is None or name not in rule.needs_features:
            return None
        try:
            return classifier.last_hidden(self.prepared.pixels[None])[0]
        except Exception:           # the model still answers; only compare-all's likeness goes without it
            return None

    def _rule_for(self, name: str, classifier: Classifier) -> SureRule | None:
        """The fitted rule if it was fitted for this very model file, else None (the old rule applies)."""
        rule = self.rule
        return rule if rule is not None and rule.covers(name, weights_sha256(classifier)) else None

    # --- why: saliency and hidden layers ------------------------------------------------------------

    def _request_explanation(self) -> None:
        """Ask the worker for the chosen model's saliency and hidden layers and every model's small map."""
        self.generation += 1
        self.explanation = None
        if self.prepared is None or self.prepared.empty or not self.classifiers:
            self._show_explanation()
            return
        other = None if self.why_digit.get() == ANSWER else int(self.why_digit.get())
        request = Request(self.generation, self.prepared.pixels, self.board.chosen_classifier(), other,
                          dict(self.classifiers), {name: view.digit for name, view in self.opinions.items()})
        # Once the bars are on screen: the worker's gradients would otherwise compete with drawing them.
        self.root.after_idle(self.explainer.submit, request)

    def _why_changed(self) -> None:
        if self.show_why.get() and self.why_digit.get() != ANSWER:
            self._request_explanation()      # a new "what would make it a ..." map is needed
        else:
            self._show_explanation()

    def _show_explanation(self) -> None:
        """Show the newest explanation (or nothing) in the 28x28 view, compare-all and the Inside tab."""
        expl = self.explanation
        pixels = self.prepared.pixels if self.prepared is not None else np.zeros((28, 28), np.float32)
        wanted = None if self.why_digit.get() == ANSWER else int(self.why_digit.get())
        if self.show_why.get() and expl is not None and expl.saliency is not None:
            if wanted is not None and wanted != expl.answer and expl.other_saliency is not None:
                self._show_pixels(pixels, expl.other_saliency)
                self.why_caption.set(f"What would make {expl.chosen} say {expl.other_digit}: red ink pushes "
                                     f"towards {expl.other_digit}, blue away.")
            else:
                self._show_pixels(pixels, expl.saliency)
                self.why_caption.set(f"What made {expl.chosen} say {expl.answer}: red pixels pushed towards "
                                     f"{expl.answer}, blue away (gradient x input).")
        else:
            self._show_pixels(pixels)
            self.why_caption.set("" if not self.show_why.get() else "Draw a digit to see why.")
        self._show_compare_maps()
        self.inside.show(expl, "" if expl is not None else "Draw a digit to look inside the chosen model.")
        if expl is not None and expl.errors:
            name, why = next(iter(expl.errors.items()))
            self.status.set(f"Could not explain {name}'s answer: {why}")
        self.views_updated += 1

    def _show_outputs(self) -> None:
        self._show_single()
        self._show_compare()
        self.root.update_idletasks()
        self.updates += 1
        self.last_update_at = time.perf_counter()

    def _show_single(self) -> None:
        view = self.opinions.get(self.chosen) if self.chosen else None
        heights = view.outputs if view is not None else np.zeros(10, np.float32)
        top = int(heights.argmax()) if view is not None else -1
        for digit, bar in enumerate(self.bars):
            bar.set_height(float(heights[digit]))
            bar.set_color(COLOURS["top"] if digit == top else COLOURS["bar"])
        self.axes.set_title(self.chosen or "no model", fontsize=9)
        if self.tabs.index("current") == 0:    # drawing a hidden chart costs tens of ms; done on showing it
            self.chart.draw_idle()
        self.verdict_label.configure(foreground="black" if view is None or view.sure else COLOURS["unsure"])
        if self.chosen is None:
            self.verdict.set("No model is available: see the status line below.")
            self._show_digit_picture(None)
        elif view is None:
            self.verdict.set(self.prepared.message if self.prepared and self.prepared.empty else
                             "Draw a digit: the prediction appears when you lift the mouse.")
            self._show_digit_picture(None)
        else:
            self.verdict.set(single_verdict(self.chosen, view))
            self._show_digit_picture(view.digit if view.sure else None)

    def _show_compare(self) -> None:
        """One row per model: name, answer, and its ten bars; rows that disagree are highlighted."""
        c = self.compare
        c.delete("all")
        verdict = agreement(self.opinions, self.rule)
        if self.prepared is not None and self.prepared.empty:
            self.compare_message.set(self.prepared.message)
        elif not self.opinions:
            self.compare_message.set("Draw a digit to compare the models.")
        else:
            self.compare_message.set(verdict.message)
        c.configure(height=max(1, len(self.models)) * ROW_HEIGHT + 10)
        bar_w = BAR_AREA[0] / 10
        classifiers = self.classifiers
        for row, (name, info) in enumerate(self.models.items()):
            y0 = row * ROW_HEIGHT + 4
            view = self.opinions.get(name)
            if name in verdict.disagreeing:
                c.create_rectangle(0, y0 - 2, 560, y0 + ROW_HEIGHT - 6, fill=COLOURS["disagree"], outline="",
                                   tags=(f"disagree:{name}",))
            usable = name in classifiers
            c.create_text(4, y0 + 2, anchor="nw", text=name, font=("TkDefaultFont", 10, "bold"),
                          fill="black" if usable else COLOURS["grey"])
            if not usable:
                why = "loading TensorFlow…" if name in self.loading else self.unavailable.get(name, "")
                c.create_text(4, y0 + 20, anchor="nw", text=why[:90], fill=COLOURS["grey"], width=480)
                continue
            answer = "—" if view is None else (f"{view.digit}  {view.confidence:.0%}" if view.sure else
                                               f"{view.digit}? {view.confidence:.0%}")
            c.create_text(4, y0 + 22, anchor="nw", text=f"{info.framework}", fill=COLOURS["grey"])
            c.create_text(150, y0 + 30, anchor="w", text=answer, font=("TkDefaultFont", 16, "bold"),
                          fill="black" if view is None or view.sure else COLOURS["unsure"], tags=(f"answer:{name}",))
            base = y0 + BAR_AREA[1] + 2
            for digit in range(10):
                x = 250 + digit * bar_w
                value = float(np.clip(view.outputs[digit], 0, 1)) if view is not None else 0.0
                colour = COLOURS["top"] if view is not None and digit == view.digit else COLOURS["bar"]
                c.create_rectangle(x + 2, base - value * BAR_AREA[1], x + bar_w - 2, base, fill=colour,
                                   outline="", tags=(f"bar:{name}:{digit}",))
                c.create_text(x + bar_w / 2, base + 8, text=str(digit), font=("TkDefaultFont", 7),
                              fill=COLOURS["grey"])
        self._show_compare_maps()

    def _show_compare_maps(self) -> None:
        """Each model's saliency map for its own answer, at the end of its row: which model looked where."""
        c = self.compare
        c.delete("map")
        maps = self.explanation.maps if self.explanation is not None else {}
        pixels = self.prepared.pixels if self.prepared is not None else None
        for row, name in enumerate(self.models):
            if name not in maps or pixels is None:
                continue
            photo = ImageTk.PhotoImage(pictures.saliency_overlay(pixels, maps[name][1], MAP_ZOOM), master=self.root)
            self._photos[f"map:{name}"] = photo
            c.create_image(560, row * ROW_HEIGHT + 4, anchor="nw", image=photo, tags=("map", f"map:{name}"))

    def _show_pixels(self, pixels: np.ndarray, saliency: np.ndarray | None = None) -> None:
        image = pictures.grey(pixels, PIXEL_ZOOM) if saliency is None else \
            pictures.saliency_overlay(pixels, saliency, PIXEL_ZOOM)
        self._photos["pixels"] = ImageTk.PhotoImage(image, master=self.root)
        self.pixel_view.configure(image=self._photos["pixels"])

    def _show_digit_picture(self, digit: int | None) -> None:
        """The predicted digit's picture from number_images/, or a question mark when unsure."""
        key = f"digit{digit}"
        if key not in self._photos:
            self._photos[key] = ImageTk.PhotoImage(_digit_picture(digit), master=self.root)
        self.digit_picture.configure(image=self._photos[key])
        self.shown_digit = digit

    # --- your drawings ----------------------------------------------------------------------------

    def label_drawing(self, label: int) -> Path | None:
        """Keep the drawing with its true label in the my-drawings folder, whatever the models said."""
        if self.drawing.background is not None:
            # Only strokes are kept; the models saw the picture too, so a kept file would not be what they saw.
            self.status.set("Only drawings can be kept, not opened pictures: clear the canvas (Esc) and draw.")
            return None
        if not self.drawing.strokes:
            self.status.set("Nothing to keep: draw a digit first.")
            return None
        drawing = LabelledDrawing.from_strokes(label, self.drawing.strokes, self.drawing.size)
        try:
            path = save_drawing(self.my_drawings_folder, drawing)
        except (OSError, ValueError) as e:
            self.status.set(f"Could not keep the drawing: {e}")
            return None
        self.status.set(f"Kept as a {label}: {path}")
        if self.tabs.select() == str(self.my_drawings):
            self.my_drawings.refresh()
        return path

    def open_drawing(self, drawing) -> None:
        """Put a kept drawing back on the canvas, stroke by stroke, and classify it."""
        self._cancel_pending_predict()
        self.drawing.clear()
        self.canvas.delete("all")
        scale = self.drawing.size / drawing.canvas
        for points, width in zip(drawing.strokes, drawing.widths):
            points = [(x * scale, y * scale) for x, y in points]
            self.drawing.start_stroke(*points[0], max(1, round(width * scale)))
            tag = ("ink", self._stroke_tag())
            r = self.drawing.strokes[-1][1] / 2
            self.canvas.create_oval(points[0][0] - r, points[0][1] - r, points[0][0] + r, points[0][1] + r,
                                    fill="black", outline="", tags=tag)
            for x, y in points[1:]:
                previous = self.drawing.extend_stroke(x, y)
                self.canvas.create_line(*previous, x, y, width=self.drawing.strokes[-1][1], fill="black",
                                        capstyle="round", joinstyle="round", tags=tag)
        where = drawing.path.name if drawing.path is not None else "the drawing"
        self.status.set(f"Loaded {where} (kept as a {drawing.label}) onto the canvas")
        self.predict()

    def run_in_background(self, work: Callable[[], object], done: Callable[[object], None]) -> None:
        """Run `work()` in a worker thread; `done(result or the exception)` is then called on the Tk thread."""
        def run() -> None:
            try:
                result = work()
            except Exception as e:      # shown by `done`, never a dead thread
                result = e
            self._results.put(("work", done, result))
        threading.Thread(target=run, daemon=True).start()

    # --- files ----------------------------------------------------------------------------------

    def ask_save(self) -> None:
        SAVE_FOLDER.mkdir(exist_ok=True)
        folder = filedialog.askdirectory(parent=self.root, initialdir=SAVE_FOLDER, title="Save the drawing into…")
        if folder:
            self.save_to(folder)

    def save_to(self, folder: str | Path) -> tuple[Path, Path] | None:
        """Write the drawing and its 28x28 image as PNGs into `folder`; returns their paths."""
        if self.drawing.empty:
            self.status.set("Nothing to save: the canvas is empty.")
            return None
        folder = Path(folder)
        stem = time.strftime("digit-%Y%m%d-%H%M%S")
        prepared = prepare(self.drawing.mirror, self.method.get())
        pixels = Image.fromarray(np.uint8(np.round(prepared.pixels * 255)), "L")
        paths = (folder / f"{stem}-drawing.png", folder / f"{stem}-28x28.png")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for image, path in zip((self.drawing.mirror, pixels), paths):
                with atomic_path(path) as tmp:
                    image.save(tmp, format="PNG")
        except OSError as e:
            self.status.set(f"Could not save into {folder}: {e.strerror or e}")
            return None
        self.status.set(f"Saved {paths[0].name} and {paths[1].name} in {folder}")
        return paths

    def ask_open(self) -> None:
        path = filedialog.askopenfilename(parent=self.root, title="Classify an image file", filetypes=[
            ("Images", "*.png *.jpg *.jpeg *.bmp *.gif"), ("All files", "*")])
        if path:
            self.open_image(path)

    def open_image(self, path: str | Path) -> bool:
        """Show an image file (any size, either polarity, upright by its EXIF orientation) on the canvas
        and classify it. An unreadable file is reported in the status line, naming it; False then."""
        path = Path(path)
        try:
            picture = open_picture(path)
        except ValueError as e:
            self.status.set(str(e))
            return False
        self._cancel_pending_predict()
        fitted = self.drawing.set_background(picture)
        self.canvas.delete("all")
        self._photos["picture"] = ImageTk.PhotoImage(fitted, master=self.root)
        self.canvas.create_image(0, 0, anchor="nw", image=self._photos["picture"], tags=("picture",))
        self.status.set(f"Opened {path.name} ({picture.width}x{picture.height}); draw over it or press Esc to clear")
        self.predict()
        return True

    # --- imagine --------------------------------------------------------------------------------

    def imagine(self) -> None:
        """Start imagining the chosen digit with the chosen model, in a worker thread."""
        if self.chosen is None or self._imagining:
            return
        digit, name, classifier = int(self.imagine_digit.get()), self.chosen, self.classifiers[self.chosen]
        self._imagining = True
        self.imagine_button.state(["disabled"])
        self.imagine_note.set(f"{name} is imagining a {digit}…")

        def work() -> None:
            try:
                image = classifier.imagine(digit)
                outputs = classifier.predict_proba(image[None])[0]
                self._results.put(("imagined", name, (digit, image, outputs, None)))
            except Exception as e:
                self._results.put(("imagined", name, (digit, None, None, e)))

        threading.Thread(target=work, daemon=True).start()

    def _show_imagined(self, name: str, digit: int, image, outputs, error) -> None:
        self._imagining = False
        self.imagine_button.state(["!disabled"])
        if error is not None:
            self.imagine_note.set(f"{name} could not imagine a {digit}: {error}")
            return
        enlarged = Image.fromarray(np.uint8(image * 255), "L").resize((28 * 8, 28 * 8), Image.Resampling.NEAREST)
        self._photos["imagined"] = ImageTk.PhotoImage(enlarged, master=self.root)
        self.imagined.configure(image=self._photos["imagined"])
        classifier = self.classifiers.get(name)
        view = opinion(outputs, self._rule_for(name, classifier) if classifier else None, name)
        self.imagine_note.set(f"What {name} thinks a {digit} looks like. It classifies this picture as {view.digit} "
                              f"({view.confidence:.0%}).")

    # --- errors ---------------------------------------------------------------------------------

    def _report_exception(self, kind, value, tb) -> None:
        """Anything unforeseen in a callback: say so in the window and keep going."""
        traceback.print_exception(kind, value, tb, file=sys.stderr)
        self.status.set(f"Something went wrong ({kind.__name__}: {value}); the workbench carries on.")


def _digit_picture(digit: int | None) -> Image.Image:
    """number_images/<digit>.png at display size; a drawn "?" when unsure or when the picture is missing."""
    if digit is not None:
        try:
            with Image.open(NUMBER_IMAGES / f"{digit}.png") as opened:
                return opened.convert("RGB").resize((DIGIT_PICTURE, DIGIT_PICTURE))
        except OSError:
            pass          # a missing or damaged picture: draw the character instead
    from PIL import ImageDraw
    from gui.number_images import load_font
    picture = Image.new("RGB", (DIGIT_PICTURE, DIGIT_PICTURE), (246, 246, 246))
    text = "?" if digit is None else str(digit)
    ImageDraw.Draw(picture).text((DIGIT_PICTURE / 2, DIGIT_PICTURE / 2), text, fill=(150, 150, 150),
                                 font=load_font(72), anchor="mm")
    return picture


def run(folder: str | Path = DEFAULT_FOLDER, on_ready: Callable[[App], None] | None = None,
        verbose: bool = False) -> None:
    root = tk.Tk()
    try:
        ttk.Style(root).theme_use("clam")
    except tk.TclError:
        pass
    app = App(root, folder)
    if verbose:
        app.status.trace_add("write", lambda *_: print(app.status.get(), flush=True))
        print(app.status.get(), flush=True)
    if on_ready is not None:
        root.after(0, on_ready, app)
    root.mainloop()
