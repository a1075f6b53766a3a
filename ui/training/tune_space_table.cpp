// SPDX-License-Identifier: MIT
#include "ui/training/tune_space_table.h"

#include <QHeaderView>

namespace cxr::ui {

namespace {

enum Column { kSearch, kField, kScale, kRange, kColumns };

// One searchable field of the Train form: its `cxr train` option, label and scale.
struct Field {
    const char *option;
    const char *label;
    tuning::ParamKind kind;
    const char *range; // when the default space does not search it
};

const Field kFields[] = {
    {"lr", "Learning rate", tuning::ParamKind::LogUniform, "1e-4 .. 3e-3"},
    {"weight-decay", "Weight decay", tuning::ParamKind::LogUniform, "1e-6 .. 1e-3"},
    {"batch", "Batch size", tuning::ParamKind::Categorical, "16, 32, 64"},
    {"augment", "Augmentation", tuning::ParamKind::Categorical, "none, thesis, conservative"},
    {"optimizer", "Optimiser", tuning::ParamKind::Categorical, "adam, adamw, sgd"},
    {"momentum", "Momentum (SGD)", tuning::ParamKind::Uniform, "0.8 .. 0.99"},
    {"label-smoothing", "Label smoothing", tuning::ParamKind::Uniform, "0 .. 0.2"},
    {"mixup", "Mixup α", tuning::ParamKind::Uniform, "0 .. 0.4"},
    {"custom-blocks", "Custom CNN blocks", tuning::ParamKind::Integer, "3 .. 5"},
    {"custom-filters", "Custom CNN filters", tuning::ParamKind::Categorical, "16, 32, 64"},
    {"custom-kernel", "Custom CNN kernel", tuning::ParamKind::Categorical, "3, 5"},
    {"custom-dropout", "Custom CNN dropout", tuning::ParamKind::Uniform, "0 .. 0.5"},
};

QString scaleName(tuning::ParamKind kind)
{
    switch (kind) {
    case tuning::ParamKind::LogUniform:
        return QObject::tr("log");
    case tuning::ParamKind::Uniform:
        return QObject::tr("linear");
    case tuning::ParamKind::Integer:
        return QObject::tr("integer");
    case tuning::ParamKind::Categorical:
        break;
    }
    return QObject::tr("choice");
}

// Reads "1e-4 .. 3e-3" into spec's range, or "16, 32, 64" into its choices; false when the
// text is neither.
bool readRange(const QString &text, tuning::ParamSpec &spec)
{
    if (spec.kind == tuning::ParamKind::Categorical) {
        for (const QString &item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            spec.choices.push_back(item.trimmed().toStdString());
        }
        return !spec.choices.empty();
    }
    const QStringList ends = text.split(QStringLiteral(".."));
    bool lowOk = false;
    bool highOk = false;
    spec.low = ends.value(0).trimmed().toDouble(&lowOk);
    spec.high = ends.value(1).trimmed().toDouble(&highOk);
    return ends.size() == 2 && lowOk && highOk;
}

} // namespace

TuneSpaceTable::TuneSpaceTable(QWidget *parent)
    : QTableWidget(int(std::size(kFields)), kColumns, parent)
{
    setHorizontalHeaderLabels({tr("Search"), tr("Field"), tr("Scale"), tr("Range or values")});
    verticalHeader()->hide();
    horizontalHeader()->setSectionResizeMode(kRange, QHeaderView::Stretch);
    horizontalHeader()->setSectionResizeMode(kField, QHeaderView::ResizeToContents);
    setSelectionMode(QAbstractItemView::NoSelection);
    for (int row = 0; row < rowCount(); ++row) {
        const Field &field = kFields[row];
        auto *search = new QTableWidgetItem;
        search->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        setItem(row, kSearch, search);
        auto *label = new QTableWidgetItem(tr(field.label));
        label->setFlags(Qt::ItemIsEnabled);
        label->setToolTip(tr("cxr train --%1").arg(QString::fromLatin1(field.option)));
        setItem(row, kField, label);
        auto *scale = new QTableWidgetItem(scaleName(field.kind));
        scale->setFlags(Qt::ItemIsEnabled);
        setItem(row, kScale, scale);
        setItem(row, kRange, new QTableWidgetItem(QString::fromLatin1(field.range)));
    }
    resetToDefault(false);
    resizeColumnToContents(kSearch);
    connect(this, &QTableWidget::itemChanged, this, &TuneSpaceTable::spaceChanged);
}

void TuneSpaceTable::setRow(int row, bool searched, const QString &range)
{
    item(row, kSearch)->setCheckState(searched ? Qt::Checked : Qt::Unchecked);
    item(row, kRange)->setText(range);
}

void TuneSpaceTable::resetToDefault(bool customCnn)
{
    showSpace(tuning::defaultSearchSpace(customCnn));
}

void TuneSpaceTable::showSpace(const tuning::SearchSpace &space)
{
    const QSignalBlocker quiet(this);
    for (int row = 0; row < rowCount(); ++row) {
        const Field &field = kFields[row];
        setRow(row, false, QString::fromLatin1(field.range));
        for (const tuning::ParamSpec &spec : space.params) {
            if (spec.name != field.option) {
                continue;
            }
            QString range;
            if (spec.kind == tuning::ParamKind::Categorical) {
                QStringList items;
                for (const std::string &choice : spec.choices) {
                    items << QString::fromStdString(choice);
                }
                range = items.join(QStringLiteral(", "));
            } else {
                range = QStringLiteral("%1 .. %2").arg(spec.low).arg(spec.high);
            }
            setRow(row, true, range);
        }
    }
    Q_EMIT spaceChanged();
}

QStringList TuneSpaceTable::searchedOptions() const
{
    QStringList options;
    for (int row = 0; row < rowCount(); ++row) {
        if (item(row, kSearch)->checkState() == Qt::Checked) {
            options << QString::fromLatin1(kFields[row].option);
        }
    }
    return options;
}

Result<tuning::SearchSpace> TuneSpaceTable::space() const
{
    tuning::SearchSpace built;
    const QStringList searched = searchedOptions();
    for (int row = 0; row < rowCount(); ++row) {
        const Field &field = kFields[row];
        if (!searched.contains(QString::fromLatin1(field.option))) {
            continue;
        }
        tuning::ParamSpec spec;
        spec.name = field.option;
        spec.kind = field.kind;
        if (!readRange(item(row, kRange)->text(), spec)) {
            return makeError(ErrorCode::InvalidArgument,
                             tr("%1: give the range as LOW .. HIGH, for example 1e-4 .. 3e-3, or "
                                "the values with commas between")
                                 .arg(tr(field.label))
                                 .toStdString());
        }
        if (spec.name == "momentum" && searched.contains(QStringLiteral("optimizer"))) {
            spec.when.push_back({"optimizer", {"sgd"}});
        }
        built.params.push_back(std::move(spec));
    }
    if (built.params.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         tr("Tick at least one field to search").toStdString());
    }
    const std::string source = "space";
    // The rules a space file is held to (`cxr tune --space`), so that one check serves both.
    auto parsed = tuning::checkSearchSpace(built, source);
    if (!parsed) {
        // "space: lr: log_uniform needs ..." becomes "Learning rate: log_uniform needs ...".
        std::string message = parsed.error().message.substr(source.size() + 2);
        for (const Field &field : kFields) {
            const std::string prefix = std::string(field.option) + ": ";
            if (message.rfind(prefix, 0) == 0) {
                message = tr(field.label).toStdString() + ": " + message.substr(prefix.size());
                break;
            }
        }
        return makeError(ErrorCode::InvalidArgument, message);
    }
    return parsed;
}

} // namespace cxr::ui
